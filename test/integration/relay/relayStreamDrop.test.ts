/**
 * A relayed call whose caller or agent socket breaks off (no `stop`): the capture ends with what was
 * typed wiped, the other leg is closed, and the bridge the panel shows says the call dropped: it must not
 * go back to "connected" (a capture could not start on it; nobody is on the line to talk to).
 */
import type { BridgeEvent, GatewayEvent } from '../../../src/ports/eventBus';
import { addAgent, signInAgent, type PanelClient } from '../../support/bridgeCalls';
import { eventually } from '../../support/eventually';
import { DEADLINE_MS, ringBridge, startRelayRig, typeTones, type RelayRig } from '../../support/relayCalls';

jest.setTimeout(120_000);

let rig: RelayRig;
let panel: PanelClient;

beforeAll(async () => {
  rig = await startRelayRig('memory');
  panel = await signInAgent(rig.panelRig, await addAgent(rig.panelRig, 'ana'));
});

afterAll(async () => {
  await rig?.close();
});

function bridgeEvents(bridgeId: string, from = 0): BridgeEvent[] {
  return rig.events.slice(from).filter((e: GatewayEvent): e is BridgeEvent => e.type === 'bridge' && e.bridgeId === bridgeId);
}

const WORDS = {
  caller: /caller’s audio stream dropped: any card capture ended and nothing typed was kept/,
  agent: /Your audio stream dropped: any card capture ended and nothing typed was kept/,
};

describe.each(['caller', 'agent'] as const)('the %s’s socket drops', (leg) => {
  it('mid-capture: the bridge says the call dropped and never claims connected again', async () => {
    const call = await ringBridge(rig);
    const started = await panel.post(`/bridges/${call.bridgeId}/capture`, { amount: '12.00', currency: 'USD' });
    expect(started).toMatchObject({ status: 200, body: { ok: true } });
    const paymentId = started.body.paymentId as string;
    expect(await panel.post(`/bridges/${call.bridgeId}/actions/askCardNumber`)).toMatchObject({ status: 200 });
    await eventually(async () => (await rig.tg.gateway.bridges.get(call.bridgeId))?.state === 'capturing', DEADLINE_MS, 'the capture to run');
    await typeTones(call.callerLeg, '4242', 30);

    const before = rig.events.length;
    (leg === 'caller' ? call.callerLeg : call.agentLeg).drop();
    await eventually(async () => (await rig.tg.getPayment(paymentId)).status === 'failed', DEADLINE_MS, 'the capture to end');
    await (leg === 'caller' ? call.agentLeg : call.callerLeg).closed;
    await eventually(async () => WORDS[leg].test(bridgeEvents(call.bridgeId, before).at(-1)?.error ?? ''), DEADLINE_MS, 'the panel to say the stream dropped');
    await rig.tg.gateway.bridges.settled();

    // Every bridge event since the drop, the last included, says something other than "connected".
    const after = bridgeEvents(call.bridgeId, before);
    expect(after.map((e) => e.state)).not.toContain('connected');
    expect(after.at(-1)).toMatchObject({ state: 'dropped', error: expect.stringMatching(WORDS[leg]) });
    expect((await rig.tg.gateway.bridges.get(call.bridgeId))?.state).toBe('dropped');
    // What a panel opened now draws says the same.
    const snapshot = await rig.tg.gateway.bridges.snapshot();
    expect(snapshot.bridges.find((b) => b.bridgeId === call.bridgeId)).toMatchObject({ state: 'dropped' });
    // And no new capture can be started on a call nobody is on.
    const again = await panel.post(`/bridges/${call.bridgeId}/capture`, { amount: '12.00', currency: 'USD' });
    expect(again.body).toMatchObject({ ok: false });
  });
});

it('with no capture under way, a dropped caller socket still leaves the bridge dropped, not connected', async () => {
  const call = await ringBridge(rig);
  const before = rig.events.length;
  call.callerLeg.drop();
  await call.agentLeg.closed;
  await eventually(async () => (await rig.tg.gateway.bridges.get(call.bridgeId))?.state === 'dropped', DEADLINE_MS, 'the bridge to say the call dropped');
  expect(bridgeEvents(call.bridgeId, before).at(-1)).toMatchObject({ state: 'dropped', error: expect.stringMatching(WORDS.caller) });
});

it('drops caller audio that arrives after the caller’s `stop` instead of throwing in the socket handler', async () => {
  const call = await ringBridge(rig);
  const socket = call.callerLeg.takeSocket();
  const send = (message: object) => new Promise<void>((resolve, reject) => socket.send(JSON.stringify(message), (error) => (error ? reject(error) : resolve())));
  const streamSid = call.callerLeg.streamSid;
  await send({ event: 'stop', sequenceNumber: '90', streamSid, stop: { accountSid: 'AC', callSid: call.caller.sid } });
  // A late frame (a client that keeps sending): the masker has been flushed, so it must not be fed.
  await send({ event: 'media', sequenceNumber: '91', streamSid, media: { track: 'inbound', chunk: '1', timestamp: '0', payload: Buffer.alloc(160, 0xff).toString('base64') } });
  await call.agentLeg.closed;
  socket.close();
  // The process is still serving calls.
  const next = await ringBridge(rig);
  await next.callerLeg.hangUp();
  await next.agentLeg.closed;
});
