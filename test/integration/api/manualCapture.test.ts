import { eventually } from '../../support/eventually';
import { STORE_KINDS, startTestGateway, type TestCall, type TestGateway } from '../../support/harness';
import { ManualClock } from '../../support/payLinks';
import { enterCard, enterPayCode } from '../../support/voiceCalls';

const SEVEN_DAYS = 7 * 86_400;

/** Pays a payment by phone with the always-approved card; answers the call, left at "press 1 to hear it again". */
async function payByPhone(tg: TestGateway, body: Record<string, unknown> = {}): Promise<{ id: string; call: TestCall }> {
  const payment = await tg.createPayment(body);
  const call = tg.call();
  await enterPayCode(call, payment.payCode);
  await enterCard(call, '4242424242424242', 'visa');
  await call.press('1');
  return { id: payment.id, call };
}

/** The 8-digit reference as the caller hears it: two groups of four, digit by digit. */
function spoken(reference: string): string {
  return `${reference.slice(0, 4).split('').join(', ')}. ${reference.slice(4).split('').join(', ')}`;
}

describe.each(STORE_KINDS)('short references and manual capture over the phone (%s store)', (kind) => {
  let tg: TestGateway;
  const clock = new ManualClock();
  const post = (id: string, action: 'capture' | 'void', body?: unknown, key?: string) =>
    tg.api('POST', `/api/payments/${id}/${action}`, body, key === undefined ? {} : { 'idempotency-key': key });

  beforeAll(async () => {
    tg = await startTestGateway(kind, { clock, env: { PAYMENT_EXPIRY_CHECK_MS: '50' } });
  });
  afterAll(async () => {
    await tg.close();
  });

  it('reads the caller the gateway’s own 8-digit reference, in two groups, and keeps the processor’s id beside it', async () => {
    const { id, call } = await payByPhone(tg);
    const view = await tg.getPayment(id);
    expect(view).toMatchObject({ status: 'succeeded', capture: 'automatic', reference: expect.stringMatching(/^[1-9][0-9]{7}$/) });
    // The sandbox's own reference is 10 digits: the caller never hears it.
    expect(view.processorReference).toMatch(/^[0-9]{10}$/);
    expect(view.processorReference).not.toBe(view.reference);
    expect(call.saysText()).toContain(`Your reference number is ${spoken(view.reference)}.`);
    expect(call.saysText()).not.toContain(view.processorReference.split('').join(', '));
  });

  it('gives two payments two different references', async () => {
    const [a, b] = await Promise.all([payByPhone(tg), payByPhone(tg)]);
    const [va, vb] = await Promise.all([tg.getPayment(a.id), tg.getPayment(b.id)]);
    expect(va.reference).not.toBe(vb.reference);
  });

  it('authorises a manual-capture payment during the call, and says so', async () => {
    const { id, call } = await payByPhone(tg, { capture: 'manual' });
    const view = await tg.getPayment(id);
    expect(view).toMatchObject({ status: 'authorized', capture: 'manual', reference: expect.stringMatching(/^[0-9]{8}$/), processorReference: expect.any(String) });
    expect(Date.parse(view.authorizationExpiresAt) - clock.now().getTime()).toBe(SEVEN_DAYS * 1000);
    expect(call.saysText()).toContain(`Payment authorized. Your reference number is ${spoken(view.reference)}.`);
    // Hearing it again and hanging up leave it authorised.
    await call.press('1');
    await call.hangUp();
    expect((await tg.getPayment(id)).status).toBe('authorized');
    const listed = await tg.api('GET', '/api/payments?status=authorized&limit=100');
    expect(listed.body.data.map((p: { id: string }) => p.id)).toContain(id);
  });

  it('captures the whole authorised amount, which the rest of the call does not undo', async () => {
    const { id, call } = await payByPhone(tg, { capture: 'manual', amount: '20.00' });
    const res = await post(id, 'capture');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id, status: 'succeeded', amount: '20.00', amountCaptured: '20.00' });
    expect(res.body.authorizationExpiresAt).toBeUndefined();
    // The caller, still on the line, hears the reference again and hangs up: the capture stands.
    await call.press('1');
    await call.hangUp();
    expect(await tg.getPayment(id)).toMatchObject({ status: 'succeeded', amountCaptured: '20.00' });
  });

  it('captures part of it, and refunds at most what was captured', async () => {
    const { id } = await payByPhone(tg, { capture: 'manual', amount: '20.00' });
    const res = await post(id, 'capture', { amount: '8.00' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'succeeded', amount: '20.00', amountCaptured: '8.00' });
    const refund = await tg.api('POST', `/api/payments/${id}/refunds`, { amount: '9.00' });
    expect(refund.status).toBe(409);
    expect(refund.body.error.code).toBe('amount_exceeds_remaining');
    expect((await tg.api('POST', `/api/payments/${id}/refunds`, {})).body).toMatchObject({ amount: '8.00', status: 'succeeded' });
  });

  it('refuses a capture above the authorised amount and leaves the authorisation as it was', async () => {
    const { id } = await payByPhone(tg, { capture: 'manual', amount: '20.00' });
    const res = await post(id, 'capture', { amount: '20.01' });
    expect(res.status).toBe(422);
    expect(res.body.error).toEqual({ code: 'amount_exceeds_authorized', message: 'amount: at most the authorised 20.00 USD can be captured.' });
    expect((await tg.getPayment(id)).status).toBe('authorized');
    expect((await post(id, 'capture', { amount: 'lots' })).body.error.code).toBe('invalid_amount');
    expect((await post(id, 'capture', { amount: '1.00', extra: 1 })).body.error.code).toBe('unknown_field');
  });

  it('voids an authorisation; it can then be neither captured nor voided again', async () => {
    const { id } = await payByPhone(tg, { capture: 'manual' });
    const res = await post(id, 'void');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'canceled', capture: 'manual' });
    expect(res.body.amountCaptured).toBeUndefined();
    const capture = await post(id, 'capture');
    expect(capture.status).toBe(409);
    expect(capture.body.error.code).toBe('payment_not_capturable');
    expect((await post(id, 'void')).body.error.code).toBe('payment_not_voidable');
  });

  it('captures once for a repeated or parallel capture, and replays an Idempotency-Key', async () => {
    const { id } = await payByPhone(tg, { capture: 'manual', amount: '20.00' });
    const answers = await Promise.all([1, 2, 3].map(() => post(id, 'capture', { amount: '5.00' }, 'cap-1')));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    const again = await post(id, 'capture', { amount: '5.00' }, 'cap-1');
    expect(again.status).toBe(200);
    expect(again.body).toEqual(answers[0]!.body);
    expect((await post(id, 'capture', { amount: '6.00' }, 'cap-1')).status).toBe(422);
    // Without the key, a second capture finds the payment already captured.
    expect((await post(id, 'capture', { amount: '5.00' })).body.error.code).toBe('payment_not_capturable');
    expect(await tg.getPayment(id)).toMatchObject({ status: 'succeeded', amountCaptured: '5.00' });
  });

  it('refuses capture and void of a payment that is not authorised', async () => {
    const { id } = await payByPhone(tg);
    expect((await post(id, 'capture')).body.error.code).toBe('payment_not_capturable');
    const pending = await tg.createPayment({ capture: 'manual' });
    expect((await post(pending.id, 'void')).status).toBe(409);
    expect((await post('pay_nosuchpayment0000', 'capture')).status).toBe(404);
  });

  it('cancels an authorisation that runs out, after which it cannot be captured', async () => {
    const { id } = await payByPhone(tg, { capture: 'manual' });
    clock.advance(SEVEN_DAYS + 1);
    await eventually(async () => (await tg.getPayment(id)).status === 'canceled', 10_000, 'the expired authorisation to be canceled');
    expect((await post(id, 'capture')).body.error.code).toBe('payment_not_capturable');
  });

  it('refuses an unknown capture mode with a clear error', async () => {
    const res = await tg.api('POST', '/api/payments', { amount: '1.00', currency: 'USD', capture: 'later' });
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual({ code: 'invalid_capture', message: 'capture: must be "automatic" or "manual"' });
  });
});
