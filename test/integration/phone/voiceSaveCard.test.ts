import { createHash } from 'node:crypto';
import { STORE_KINDS, startTestGateway, type TestGateway } from '../../support/harness';
import { enterPayCode, spokenReference, vaultKeys } from '../../support/voiceCalls';
import { leaksIn } from '../../support/leakScan';

const APPROVED_CARD = '4242424242424242';
const DECLINED_CARD = '4000000000009995'; // insufficient_funds: saves, then declines when charged
const SECRETS = [APPROVED_CARD, DECLINED_CARD, /\b1230\b/, /\b739\b/];

/** A call that saves a card: pay code, the three fields, then "press 1 to save". */
async function saveOnCall(tg: TestGateway, number: string): Promise<{ payment: any; said: string }> {
  const created = await tg.createPayment({ intent: 'save_card', amount: undefined, currency: undefined });
  const call = tg.call();
  await enterPayCode(call, created.payCode);
  const intro = call.saysText();
  await call.press(`${number}#`);
  await call.press('1230');
  await call.press('739');
  const question = call.saysText();
  await call.press('1');
  return { payment: await tg.getPayment(created.id), said: [intro, question, call.saysText()].join(' | ') };
}

describe.each(STORE_KINDS)('saving a card on a call, then charging it without one (%s store, sandbox)', (kind) => {
  let tg: TestGateway;

  beforeAll(async () => {
    tg = await startTestGateway(kind);
  });
  afterAll(async () => {
    await tg.close();
  });

  it('takes no amount: the call never speaks or confirms one, and says the card was saved with its reference', async () => {
    const { payment, said } = await saveOnCall(tg, APPROVED_CARD);
    expect(said).toContain('saving a card');
    expect(said).toContain('To save it, press 1');
    expect(said).not.toMatch(/Paying|dollars|Payment approved/);
    expect(said).toContain('Your card has been saved');
    expect(payment).toMatchObject({ status: 'succeeded', intent: 'save_card', amount: '0.00', card: { brand: 'visa', last4: '4242' } });
    expect(payment.paymentMethod).toBe(`pm_gw_${payment.reference}`);
    // The reference is read one digit at a time, in two groups of four.
    expect(said).toContain(spokenReference(payment.reference));
    // The security code went once the processor answered; nothing of the card is left in the vault.
    expect(await vaultKeys(tg, payment.id)).toEqual([]);
  });

  it('answers the saved card with the processor ids and the masked card, never the number', async () => {
    const { payment } = await saveOnCall(tg, APPROVED_CARD);
    const method = await tg.api('GET', `/api/payment-methods/${payment.paymentMethod}`);
    expect(method.status).toBe(200);
    expect(method.body).toMatchObject({
      id: payment.paymentMethod,
      processor: 'sandbox',
      card: { brand: 'visa', last4: '4242' },
      expMonth: 12,
      expYear: 2030,
      paymentId: payment.id,
      processorIds: { customer: expect.stringMatching(/^cus_sbx_/), paymentMethod: expect.stringMatching(/^tok_sbx_[0-9a-f]{32}$/) },
    });
    // The sandbox token is a keyed HMAC: stable for one card, and not the bare hash of the number.
    const again = await saveOnCall(tg, APPROVED_CARD);
    const other = (await tg.api('GET', `/api/payment-methods/${again.payment.paymentMethod}`)).body;
    expect(other.processorIds.paymentMethod).toBe(method.body.processorIds.paymentMethod);
    expect(method.body.processorIds.paymentMethod).not.toContain(createHash('sha256').update(APPROVED_CARD).digest('hex').slice(0, 32));
  });

  it('charges a saved card off-session, approved for a good card and declined for one without funds', async () => {
    const good = (await saveOnCall(tg, APPROVED_CARD)).payment;
    const poor = (await saveOnCall(tg, DECLINED_CARD)).payment;
    expect(poor.status).toBe('succeeded');

    const charged = await tg.api('POST', '/api/payments', { amount: '25.00', currency: 'USD', paymentMethod: good.paymentMethod });
    expect(charged.status).toBe(201);
    expect(charged.body).toMatchObject({ status: 'succeeded', amount: '25.00', intent: 'charge', paymentMethod: good.paymentMethod, reference: expect.stringMatching(/^\d{8}$/), processorReference: expect.stringMatching(/^\d{10}$/) });
    const refused = await tg.api('POST', '/api/payments', { amount: '25.00', currency: 'USD', paymentMethod: poor.paymentMethod });
    expect(refused.status).toBe(201);
    expect(refused.body).toMatchObject({ status: 'failed', failure: { code: 'insufficient_funds' } });
  });

  it('charges once for a replayed request with the same Idempotency-Key', async () => {
    const good = (await saveOnCall(tg, APPROVED_CARD)).payment;
    const body = { amount: '9.99', currency: 'USD', paymentMethod: good.paymentMethod };
    const [a, b] = await Promise.all([
      tg.api('POST', '/api/payments', body, { 'idempotency-key': `saved-${kind}` }),
      tg.api('POST', '/api/payments', body, { 'idempotency-key': `saved-${kind}` }),
    ]);
    const answered = [a, b].filter((r) => r.status === 201);
    expect(answered.length).toBeGreaterThanOrEqual(1);
    for (const r of answered) expect(r.body.id).toBe(answered[0]!.body.id);
    const replay = await tg.api('POST', '/api/payments', body, { 'idempotency-key': `saved-${kind}` });
    expect(replay.body).toMatchObject({ id: answered[0]!.body.id, status: 'succeeded', reference: answered[0]!.body.reference });
  });

  it('refuses what makes no sense, with a clear field', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ intent: 'save_card', amount: '1.00' }, 'invalid_amount'],
      [{ intent: 'keep', amount: '1.00', currency: 'USD' }, 'invalid_intent'],
      [{ amount: '1.00', currency: 'USD', paymentMethod: '4242424242424242' }, 'invalid_paymentMethod'],
      [{ amount: '1.00', currency: 'USD', paymentMethod: 'pm_gw_000000000000' }, 'invalid_paymentMethod'],
      [{ paymentMethod: 'pm_gw_000000000000', currency: 'USD' }, 'invalid_amount'],
    ];
    for (const [body, code] of cases) {
      const res = await tg.api('POST', '/api/payments', body);
      expect([res.status, res.body.error.code]).toEqual([400, code]);
      expect(res.text).not.toContain('4242424242424242');
    }
    expect((await tg.api('GET', '/api/payment-methods/4242424242424242')).text).not.toContain('4242424242424242');
  });

  it('keeps no card number, expiry or security code in records, answers or logs', async () => {
    await saveOnCall(tg, DECLINED_CARD);
    const stored = (await tg.rawRedisValues()).join('\n');
    expect(leaksIn(stored, [APPROVED_CARD, DECLINED_CARD])).toEqual([]);
    expect(leaksIn(tg.responses.join('\n'), SECRETS)).toEqual([]);
    expect(leaksIn(tg.logLines.join('\n'), SECRETS)).toEqual([]);
  });
});
