import { cardKeys, STORE_KINDS, type StoreKind } from '../../support/harness';
import { eventually } from '../../support/eventually';
import { lastRedirect, openBridge, opLabels, startBridgeRig, type BridgeRig } from '../../support/bridgeCalls';

jest.setTimeout(30_000);

const VISA = '4242424242424242';
/** Card data as typed; the short expiry only as a whole number, so references and pay codes cannot match it by chance. */
const SECRETS: Array<string | RegExp> = [VISA, '424242424242', /(^|[^0-9])1230([^0-9]|$)/, 'Digits":"123"'];

/** Nothing a caller typed may appear in any event, log line, call-control request or raw Redis value. */
async function expectNoCardData(rig: BridgeRig): Promise<void> {
  const haystacks = [JSON.stringify(rig.events), rig.tg.logLines.join('\n'), JSON.stringify(rig.control.operations), ...(await rig.tg.rawRedisValues())];
  for (const text of haystacks) for (const secret of SECRETS) typeof secret === 'string' ? expect(text).not.toContain(secret) : expect(text).not.toMatch(secret);
}

describe.each(STORE_KINDS)('agent bridge on the %s store', (kind: StoreKind) => {
  let rig: BridgeRig;
  beforeEach(async () => {
    rig = await startBridgeRig(kind);
  });
  afterEach(async () => {
    await rig.close();
  });

  it('puts the caller in a recorded conference named after the call and dials the agent into it', async () => {
    const caller = rig.tg.call();
    const bridgeId = await openBridge(rig, caller);
    expect(caller.twiml).toContain(`<Conference`);
    expect(caller.twiml).toContain(`record="record-from-start"`);
    expect(caller.twiml).toContain(`>bridge-${bridgeId}</Conference>`);
    expect(opLabels(rig.control)).toEqual(['dial:client:agent-1']);
    const bridge = await rig.tg.gateway.bridges.get(bridgeId);
    expect(bridge).toMatchObject({ callerCallSid: caller.callSid, state: 'connected', record: true });
    expect(bridge!.agentCallSid).toMatch(/^CA/);
  });

  it('pauses the recording before the first card prompt, lets the agent confirm, and resumes after the result', async () => {
    const caller = rig.tg.call();
    const bridgeId = await openBridge(rig, caller);
    const started = await rig.tg.gateway.bridges.startSecureCapture(bridgeId, { amount: '12.34', currency: 'USD', description: 'Invoice 7' });
    expect(started).toMatchObject({ ok: true });
    const paymentId = (started as { paymentId: string }).paymentId;
    // Recording paused first, then the agent held, then the caller moved: in that order.
    expect(opLabels(rig.control)).toEqual(['dial:client:agent-1', 'recording:paused', 'hold:on', `redirect:/voice/payments/${paymentId}`]);

    await caller.start(lastRedirect(rig.control, caller.callSid));
    expect(caller.saysText()).toContain('card number');
    const [number, expiry, code] = cardKeys(VISA, 'visa');
    await caller.press(number!);
    expect(caller.redirectUrl()).toContain('poll=1');
    await eventually(async () => rig.events.some((e) => e.type === 'payment' && e.lines.includes('Visa •••• 4242 — valid, waiting for you')), 3000, 'the masked card event');

    await expect(rig.tg.gateway.bridges.agentAction(bridgeId, 'confirmed')).resolves.toMatchObject({ ok: true });
    await caller.followRedirect();
    expect(caller.saysText()).toContain('expir');
    await caller.press(expiry!);
    await caller.press(code!);
    await caller.press('1');
    expect((await rig.tg.getPayment(paymentId)).status).toBe('succeeded');
    expect(opLabels(rig.control)).not.toContain('recording:in-progress');
    await caller.silence();
    // The capture ends by going back to the agent, not by hanging up.
    expect(caller.hasHangup()).toBe(false);
    expect(caller.redirectUrl()).toBe(`${rig.tg.baseUrl}/voice/bridge/rejoin?bridge=${bridgeId}`);
    await eventually(async () => (await rig.tg.gateway.bridges.get(bridgeId))?.state === 'connected', 3000, 'the bridge to reconnect');
    expect(opLabels(rig.control).slice(-2)).toEqual(['hold:off', 'recording:in-progress']);
    await caller.followRedirect();
    expect(caller.twiml).toContain(`>bridge-${bridgeId}</Conference>`);

    const payment = rig.events.filter((e) => e.type === 'payment').at(-1)!;
    expect(payment).toMatchObject({ status: 'succeeded', card: { brand: 'visa', last4: '4242' } });
    expect(rig.events.some((e) => e.type === 'payment' && e.lines.some((l) => l.startsWith('Approved — reference ')))).toBe(true);
    expect(rig.events.some((e) => e.type === 'bridge' && e.recording === 'paused')).toBe(true);
    await expectNoCardData(rig);
  });

  it('cancels midway at the agent’s request and returns the caller to the conference', async () => {
    const caller = rig.tg.call();
    const bridgeId = await openBridge(rig, caller);
    const started = await rig.tg.gateway.bridges.startSecureCapture(bridgeId, { amount: '5.00', currency: 'USD' });
    const paymentId = (started as { paymentId: string }).paymentId;
    await caller.start(lastRedirect(rig.control, caller.callSid));
    await caller.press(`${VISA}#`);
    await expect(rig.tg.gateway.bridges.agentAction(bridgeId, 'cancel')).resolves.toMatchObject({ ok: true });
    expect(lastRedirect(rig.control, caller.callSid)).toBe(`${rig.tg.baseUrl}/voice/bridge/rejoin?bridge=${bridgeId}`);
    expect((await rig.tg.getPayment(paymentId)).status).toBe('canceled');
    await eventually(async () => (await rig.tg.gateway.bridges.get(bridgeId))?.state === 'connected', 3000, 'the bridge to reconnect');
    expect(opLabels(rig.control)).toContain('recording:in-progress');
    await caller.start(lastRedirect(rig.control, caller.callSid));
    expect(caller.twiml).toContain('<Conference');
    await expectNoCardData(rig);
  });

  it('lets the agent have the caller try another card after a decline', async () => {
    const caller = rig.tg.call();
    const bridgeId = await openBridge(rig, caller);
    const started = await rig.tg.gateway.bridges.startSecureCapture(bridgeId, { amount: '5.00', currency: 'USD' });
    const paymentId = (started as { paymentId: string }).paymentId;
    await caller.start(lastRedirect(rig.control, caller.callSid));
    await caller.press('4000000000000002#');
    await rig.tg.gateway.bridges.agentAction(bridgeId, 'confirmed');
    await caller.followRedirect();
    await caller.press('1230');
    await caller.press('123');
    await caller.press('1');
    await eventually(async () => rig.events.some((e) => e.type === 'payment' && e.lines.includes('Declined — card_declined')), 3000, 'the decline event');
    await expect(rig.tg.gateway.bridges.agentAction(bridgeId, 'confirmed')).resolves.toMatchObject({ ok: false, code: 'not_now' });
    await expect(rig.tg.gateway.bridges.agentAction(bridgeId, 'retry')).resolves.toMatchObject({ ok: true });
    // The caller waited at the "try another card?" menu: the agent's choice moves the leg on.
    await caller.start(lastRedirect(rig.control, caller.callSid));
    expect(caller.saysText()).toContain('card number');
    expect((await rig.tg.getPayment(paymentId)).status).toBe('capturing');
    await expectNoCardData(rig);
  });

  it('tells the panel which actions the capture takes at each step, so it shows only those buttons', async () => {
    const caller = rig.tg.call();
    const bridgeId = await openBridge(rig, caller);
    await rig.tg.gateway.bridges.startSecureCapture(bridgeId, { amount: '5.00', currency: 'USD' });
    const lastMay = () => [...rig.events].reverse().find((e) => e.type === 'payment')?.agentMay;
    const only = (...actions: string[]) => Object.fromEntries(['confirmed', 'reenter', 'cancel', 'retry'].map((a) => [a, actions.includes(a)]));
    await caller.start(lastRedirect(rig.control, caller.callSid));
    await eventually(async () => rig.events.some((e) => e.type === 'payment'), 3000, 'the first payment event');
    expect(lastMay()).toEqual(only('cancel'));
    await caller.press('4000000000000002#');
    await eventually(async () => lastMay()?.confirmed === true, 3000, 'the card number waiting for the agent');
    expect(lastMay()).toEqual(only('confirmed', 'reenter', 'cancel'));
    await rig.tg.gateway.bridges.agentAction(bridgeId, 'confirmed');
    await caller.followRedirect();
    await caller.press('1230');
    await caller.press('123');
    await caller.press('1');
    await eventually(async () => lastMay()?.retry === true, 3000, 'the decline event');
    expect(lastMay()).toEqual(only('cancel', 'retry'));
    await rig.tg.gateway.bridges.agentAction(bridgeId, 'cancel');
    await eventually(async () => lastMay()?.cancel === false, 3000, 'the canceled capture');
    expect(lastMay()).toEqual(only());
  });

  it('does not start the capture when the recording cannot be paused, and tells the agent why', async () => {
    const caller = rig.tg.call();
    const bridgeId = await openBridge(rig, caller);
    rig.control.failing.add('recording');
    const started = await rig.tg.gateway.bridges.startSecureCapture(bridgeId, { amount: '5.00', currency: 'USD' });
    expect(started).toMatchObject({ ok: false, code: 'recording_not_paused' });
    expect(opLabels(rig.control)).toEqual(['dial:client:agent-1']);
    const bridge = await rig.tg.gateway.bridges.get(bridgeId);
    expect(bridge).toMatchObject({ state: 'connected', recordingPaused: false });
    expect(bridge!.lastError).toMatch(/recording could not be paused/);
  });

  it('refuses a second capture while one is under way', async () => {
    const caller = rig.tg.call();
    const bridgeId = await openBridge(rig, caller);
    await rig.tg.gateway.bridges.startSecureCapture(bridgeId, { amount: '5.00', currency: 'USD' });
    await expect(rig.tg.gateway.bridges.startSecureCapture(bridgeId, { amount: '5.00', currency: 'USD' })).resolves.toMatchObject({ ok: false, code: 'busy' });
  });

  it('ends the bridge and the capture when the caller hangs up', async () => {
    const caller = rig.tg.call();
    const bridgeId = await openBridge(rig, caller);
    const started = await rig.tg.gateway.bridges.startSecureCapture(bridgeId, { amount: '5.00', currency: 'USD' });
    await caller.start(lastRedirect(rig.control, caller.callSid));
    const res = await caller.signedPost(`${rig.tg.baseUrl}/voice/bridge/status?bridge=${bridgeId}&leg=caller`, { CallStatus: 'completed' });
    expect(res.status).toBe(204);
    expect((await rig.tg.gateway.bridges.get(bridgeId))?.state).toBe('ended');
    expect((await rig.tg.getPayment((started as { paymentId: string }).paymentId)).status).toBe('failed');
    expect(await rig.tg.gateway.bridges.live()).toEqual([]);
  });

  it('rejects an unsigned bridge webhook and creates nothing', async () => {
    const caller = rig.tg.call();
    const res = await caller.signedPost(`${rig.tg.baseUrl}/voice/bridge`, {}, { signature: 'bogus' });
    expect(res.status).toBe(403);
    expect(await rig.tg.gateway.bridges.findByCall(caller.callSid)).toBeNull();
  });
});
