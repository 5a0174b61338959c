/**
 * A payment the payments API makes for a relayed call runs in the relay, as one the agent starts on the
 * panel: the caller is not moved (no call update), the capture is agent-guided, and the panel's card
 * follows the masked progress of the tones the caller types.
 */
import type { PaymentEvent } from '../../../src/ports/eventBus';
import { STORE_KINDS, type StoreKind } from '../../support/harness';
import { addAgent, signInAgent, type PanelClient } from '../../support/bridgeCalls';
import { DEADLINE_MS, ringBridge, startRelayRig, typeTones, type RelayRig } from '../../support/relayCalls';
import { eventually } from '../../support/eventually';
import { leaksIn } from '../../support/leakScan';

jest.setTimeout(120_000);

const VISA = '4242424242424242';

describe.each(STORE_KINDS)('API payments on a relayed call on the %s store', (kind: StoreKind) => {
  let rig: RelayRig;
  let panel: PanelClient;

  beforeEach(async () => {
    rig = await startRelayRig(kind);
    panel = await signInAgent(rig.panelRig, await addAgent(rig.panelRig, 'ana'));
  });

  afterEach(async () => {
    await rig?.close();
  });

  const paymentEvents = (paymentId: string) => rig.events.filter((e): e is PaymentEvent => e.type === 'payment' && e.paymentId === paymentId);

  it('runs the capture in the relay on an agent-guided flow, without moving the call', async () => {
    const call = await ringBridge(rig);
    const created = await rig.tg.api('POST', '/api/payments', { amount: '47.50', currency: 'USD', callSid: call.caller.sid });
    expect(created.status).toBe(201);
    const paymentId = created.body.id as string;
    expect(created.body).toMatchObject({ flow: 'agent-relay', callSid: call.caller.sid });
    expect(await rig.tg.gateway.bridges.get(call.bridgeId)).toMatchObject({ state: 'capturing', paymentId });
    expect((await rig.tg.getPayment(paymentId)).status).toBe('capturing');
    // The caller stays on the relay with the agent: nothing updates their call.
    expect(rig.twilio.requests.filter((r) => r.path.endsWith(`/Calls/${call.caller.sid}.json`))).toEqual([]);

    expect(await panel.post(`/bridges/${call.bridgeId}/actions/askCardNumber`)).toMatchObject({ status: 200 });
    await eventually(async () => paymentEvents(paymentId).at(-1)?.asking === 'cardNumber', DEADLINE_MS, 'the capture to ask for the card number');
    await typeTones(call.callerLeg, `${VISA}#`, 30);
    await eventually(async () => paymentEvents(paymentId).at(-1)?.lines.includes('Visa •••• 4242 — valid') ?? false, DEADLINE_MS, 'the card on the panel');

    const seen = [...rig.tg.logLines, JSON.stringify(rig.events), ...rig.tg.responses, JSON.stringify(rig.twilio.requests)].join('\n');
    expect(leaksIn(seen, [VISA, '424242424242'])).toEqual([]);
  });

  it('refuses a keypad-prompt flow for a relayed call', async () => {
    const call = await ringBridge(rig);
    const refused = await rig.tg.api('POST', '/api/payments', { amount: '5.00', currency: 'USD', callSid: call.caller.sid, flow: 'default' });
    expect(refused).toMatchObject({ status: 400, body: { error: { code: 'invalid_flow' } } });
    expect((await rig.tg.gateway.bridges.get(call.bridgeId))?.state).toBe('connected');
  });
});
