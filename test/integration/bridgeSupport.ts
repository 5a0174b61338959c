/** Helpers of the agent-bridge suites; jest runs only *.test.ts, so this file holds no tests. */
import { FakeCallControl, type CallControlOperation } from '../../src/bridge/fakeCallControl';
import type { GatewayEvent } from '../../src/ports/eventBus';
import { startTestGateway, type StoreKind, type TestCall, type TestGateway } from '../support/harness';
import { eventually } from './voiceSupport';

export interface BridgeRig {
  tg: TestGateway;
  control: FakeCallControl;
  events: GatewayEvent[];
  stop(): void;
}

/** A gateway whose bridge dials a client agent, records, and acts on calls through the fake call control. */
export async function startBridgeRig(kind: StoreKind, env: Record<string, string> = {}): Promise<BridgeRig> {
  const control = new FakeCallControl();
  const tg = await startTestGateway(kind, { env: { AGENT_DIAL: 'client:agent-1', RECORD_BRIDGE: 'true', ...env }, callControl: control });
  const events: GatewayEvent[] = [];
  const stop = tg.gateway.events.subscribe((event) => events.push(event));
  return { tg, control, events, stop };
}

/** The caller dials the bridge number; resolves once the agent leg is in the conference. */
export async function openBridge(rig: BridgeRig, caller: TestCall): Promise<string> {
  await caller.start(`${rig.tg.baseUrl}/voice/bridge`);
  const bridge = await rig.tg.gateway.bridges.findByCall(caller.callSid);
  if (!bridge) throw new Error('no bridge stored');
  await eventually(async () => (await rig.tg.gateway.bridges.get(bridge.id))?.state === 'connected', 3000, 'the agent to join');
  return bridge.id;
}

/** The URL the fake last moved this leg to, as Twilio would then fetch it. */
export function lastRedirect(control: FakeCallControl, callSid: string): string {
  const moves = control.operations.filter((op): op is Extract<CallControlOperation, { op: 'redirect' }> => op.op === 'redirect' && op.callSid === callSid);
  if (moves.length === 0) throw new Error(`no redirect of ${callSid}`);
  return moves.at(-1)!.url;
}

/** The operations as short labels, e.g. "recording:paused", "hold:on", "redirect:/voice/payments/…". */
export function opLabels(control: FakeCallControl): string[] {
  return control.operations.map((op) => {
    switch (op.op) {
      case 'redirect':
        return `redirect:${new URL(op.url).pathname}`;
      case 'dialAgent':
        return `dial:${op.dial.to}`;
      case 'recording':
        return `recording:${op.status}`;
      case 'hold':
        return `hold:${op.audio ? 'on' : 'off'}`;
    }
  });
}
