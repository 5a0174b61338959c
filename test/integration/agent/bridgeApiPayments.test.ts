/**
 * A payment the payments API makes for a call on the agent bridge starts as one the agent starts on the
 * panel: recording paused, agent held, caller moved to the capture; the panel's card follows it live, and
 * the caller goes back to the agent at the end (a returnUrl is not used there).
 */
import { cardKeys, STORE_KINDS, type StoreKind } from '../../support/harness';
import { eventually } from '../../support/eventually';
import { addAgent, lastRedirect, openBridge, openPanelStream, opLabels, signInAgent, startBridgeRig, type BridgeRig, type PanelStream } from '../../support/bridgeCalls';

jest.setTimeout(30_000);

const VISA = '4242424242424242';

describe.each(STORE_KINDS)('API payments on a bridged call on the %s store', (kind: StoreKind) => {
  let rig: BridgeRig;
  let stream: PanelStream;
  beforeEach(async () => {
    rig = await startBridgeRig(kind);
    const panel = await signInAgent(rig, await addAgent(rig, 'ana'));
    stream = await openPanelStream(rig, panel.cookie);
  });
  afterEach(async () => {
    stream.close();
    await rig.close();
  });

  const panelCard = (paymentId: string) => stream.events.filter((e) => e.name === 'payment' && e.data.paymentId === paymentId).map((e) => e.data);

  it('starts the capture as the panel does and shows it live on the bridge’s card', async () => {
    const caller = rig.tg.call();
    const bridgeId = await openBridge(rig, caller);
    const created = await rig.tg.api('POST', '/api/payments', { amount: '12.34', currency: 'USD', callSid: caller.callSid, returnUrl: 'https://merchant.example/after' });
    expect(created.status).toBe(201);
    const paymentId = created.body.id as string;
    // The caller goes back to the agent: the returnUrl is not kept.
    expect(created.body.returnUrl).toBeUndefined();
    expect(created.body.flow).toBe('agent-assisted');
    // Recording paused first, then the agent held, then the caller moved: in that order, as from the panel.
    expect(opLabels(rig.control)).toEqual(['dial:client:agent-1', 'recording:paused', 'hold:on', `redirect:/voice/payments/${paymentId}`]);
    expect(await rig.tg.gateway.bridges.get(bridgeId)).toMatchObject({ state: 'capturing', paymentId });

    await caller.start(lastRedirect(rig.control, caller.callSid));
    const [number, expiry, code] = cardKeys(VISA, 'visa');
    await caller.press(number!);
    await eventually(async () => panelCard(paymentId).some((p) => p.bridgeId === bridgeId && p.lines.includes('Visa •••• 4242 — valid, waiting for you')), 5000, 'the card on the panel');

    await expect(rig.tg.gateway.bridges.agentAction(bridgeId, 'confirmed')).resolves.toMatchObject({ ok: true });
    await caller.followRedirect();
    await caller.press(expiry!);
    await caller.press(code!);
    await caller.press('1');
    expect((await rig.tg.getPayment(paymentId)).status).toBe('succeeded');
    await caller.silence();
    expect(caller.redirectUrl()).toBe(`${rig.tg.baseUrl}/voice/bridge/rejoin?bridge=${bridgeId}`);
    await eventually(async () => panelCard(paymentId).some((p) => p.status === 'succeeded'), 5000, 'the result on the panel');
    await eventually(async () => (await rig.tg.gateway.bridges.get(bridgeId))?.state === 'connected', 5000, 'the bridge to reconnect');
    expect(opLabels(rig.control).slice(-2)).toEqual(['hold:off', 'recording:in-progress']);
    expect(stream.raw.join('\n')).not.toContain(VISA);
  });

  it('refuses a second capture on a bridge that is already capturing, and leaves no payment pending', async () => {
    const caller = rig.tg.call();
    const bridgeId = await openBridge(rig, caller);
    expect((await rig.tg.api('POST', '/api/payments', { amount: '1.00', currency: 'USD', callSid: caller.callSid })).status).toBe(201);
    const second = await rig.tg.api('POST', '/api/payments', { amount: '2.00', currency: 'USD', callSid: caller.callSid });
    expect(second).toMatchObject({ status: 409, body: { error: { code: 'bridge_busy' } } });
    const listed = await rig.tg.api('GET', '/api/payments');
    expect(listed.body.data.map((p: { status: string; amount: string }) => `${p.amount} ${p.status}`)).toEqual(['1.00 pending']);
    expect((await rig.tg.gateway.bridges.get(bridgeId))?.state).toBe('capturing');
  });
});
