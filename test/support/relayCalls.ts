/** Helpers of the relay suites: a gateway in relay mode wired to the local Twilio-shaped server, and a bridged call on it. */
import type { Clock } from '../../src/ports/clock';
import type { GatewayEvent } from '../../src/ports/eventBus';
import { composeCall, type CallPart } from './audio/callerAudio';
import type { BridgeRig } from './bridgeCalls';
import { eventually } from './eventually';
import { startTestGateway, type StoreKind, type TestGateway } from './harness';
import { TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, startTwilioServer, type MediaStreamLeg, type SimulatedCall, type TimedDtmf, type TwilioServer } from './twilioServer';

export const AGENT = 'client:agent-1';
export const BRIDGE_NUMBER = '+15005550001';
export const CALLER_NUMBER = '+15005550006';
/** Calls, streams and panel updates cross several processes' event loops on a busy machine: generous deadlines. */
export const DEADLINE_MS = 15_000;

export interface RelayRig {
  twilio: TwilioServer;
  tg: TestGateway;
  /** Every masked event the gateway published. */
  events: GatewayEvent[];
  /** The same gateway as the panel helpers of bridgeCalls.ts take it (they use only its `tg`). */
  panelRig: BridgeRig;
  close(): Promise<void>;
}

/** The relay-mode environment of a gateway that calls the Twilio-shaped server at `apiUrl`. */
export function relayEnv(apiUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    TWILIO_AUTH_TOKEN: TEST_AUTH_TOKEN,
    TWILIO_ACCOUNT_SID: TEST_ACCOUNT_SID,
    TWILIO_API_URL: apiUrl,
    CALL_CONTROL: 'twilio',
    BRIDGE_MEDIA: 'relay',
    AGENT_DIAL: AGENT,
    ...extra,
  };
}

export async function startRelayRig(kind: StoreKind, options: { env?: Record<string, string>; clock?: Clock } = {}): Promise<RelayRig> {
  const twilio = await startTwilioServer();
  const tg = await startTestGateway(kind, { env: relayEnv(twilio.url, options.env), ...(options.clock ? { clock: options.clock } : {}) });
  const events: GatewayEvent[] = [];
  const stop = tg.gateway.events.subscribe((event) => events.push(event));
  const panelRig = { tg, events } as unknown as BridgeRig;
  return {
    twilio,
    tg,
    events,
    panelRig,
    async close() {
      stop();
      await twilio.close();
      await tg.close();
    },
  };
}

export interface RelayedCall {
  caller: SimulatedCall;
  callerLeg: MediaStreamLeg;
  agentCall: SimulatedCall;
  agentLeg: MediaStreamLeg;
  bridgeId: string;
}

/** A caller rings the bridge number: both legs stream once this resolves. */
export async function ringBridge(rig: { twilio: TwilioServer; tg: TestGateway }): Promise<RelayedCall> {
  const caller = rig.twilio.incomingCall({ url: `${rig.tg.baseUrl}/voice/bridge`, from: CALLER_NUMBER, to: BRIDGE_NUMBER });
  const callerLeg = await caller.waitForStream(DEADLINE_MS);
  let agentCallSid: string | null = null;
  let bridgeId = '';
  await eventually(
    async () => {
      const bridge = await rig.tg.gateway.bridges.findByCall(caller.sid);
      bridgeId = bridge?.id ?? '';
      agentCallSid = bridge?.agentCallSid ?? null;
      return agentCallSid !== null;
    },
    DEADLINE_MS,
    'the agent to be called',
  );
  const agentCall = await rig.twilio.waitForCall((call) => call.sid === agentCallSid, DEADLINE_MS, 'the agent leg');
  const agentLeg = await agentCall.waitForStream(DEADLINE_MS);
  return { caller, callerLeg, agentCall, agentLeg, bridgeId };
}

/**
 * The caller types `keys` as keypad tones on their leg, 80 ms each with 120 ms between, over faint
 * noise; with a Twilio `dtmf` event for each at `eventAtMs` into its tone, or with none (null).
 */
export async function typeTones(leg: MediaStreamLeg, keys: string, eventAtMs: number | null): Promise<void> {
  const parts: CallPart[] = [{ pauseMs: 300 }];
  for (const key of keys) parts.push({ tone: { key, durationMs: 80, levelDb: -12, ...(eventAtMs === null ? {} : { eventAtMs }) } }, { pauseMs: 120 });
  const call = composeCall(parts, { noiseDb: -60 });
  const dtmf: TimedDtmf[] = call.events.map((event) => ({ atMs: event.beforeFrame * 20, digit: event.key }));
  await leg.play(Buffer.concat(call.frames), { dtmf });
}
