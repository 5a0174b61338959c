import { STORE_KINDS, startTestGateway, type TestGateway } from '../../support/harness';
import { countingSandbox, enterCard, enterPayCode } from '../../support/voiceCalls';

/** A payment paid over the phone with the sandbox's always-approved card. */
async function paidPayment(tg: TestGateway, amount = '12.34'): Promise<{ id: string }> {
  const payment = await tg.createPayment({ amount });
  const call = tg.call();
  await enterPayCode(call, payment.payCode);
  await enterCard(call, '4242424242424242', 'visa');
  await call.press('1');
  return payment;
}

describe.each(STORE_KINDS)('refunds through the API (%s store)', (kind) => {
  let tg: TestGateway;
  const refund = (id: string, body?: unknown, key?: string) =>
    tg.api('POST', `/api/payments/${id}/refunds`, body, key === undefined ? {} : { 'idempotency-key': key });

  beforeAll(async () => {
    tg = await startTestGateway(kind);
  });
  afterAll(async () => {
    await tg.close();
  });

  it('refunds the whole payment when no amount is given, and shows it on the payment', async () => {
    const payment = await paidPayment(tg);
    const res = await refund(payment.id);
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^re_[0-9a-f]{24}$/),
      paymentId: payment.id,
      amount: '12.34',
      currency: 'USD',
      status: 'succeeded',
      reference: expect.stringMatching(/^\d{10}$/),
      failure: null,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const view = await tg.getPayment(payment.id);
    expect(view).toMatchObject({ status: 'succeeded', amountRefunded: '12.34', refunds: [res.body] });
    expect((await refund(payment.id)).body.error.code).toBe('payment_fully_refunded');
  });

  it('answers the same Idempotency-Key with the same refund, and refunds once', async () => {
    const payment = await paidPayment(tg);
    const first = await refund(payment.id, { amount: '2.00' }, 'key-1');
    const again = await refund(payment.id, { amount: '2.00' }, 'key-1');
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect((await tg.getPayment(payment.id)).refunds).toHaveLength(1);
  });

  it('refunds once when the same Idempotency-Key arrives five times at once', async () => {
    const payment = await paidPayment(tg);
    const answers = await Promise.all(Array.from({ length: 5 }, () => refund(payment.id, { amount: '1.00' }, 'burst')));
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 201, 201]);
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    expect(await tg.getPayment(payment.id)).toMatchObject({ amountRefunded: '1.00', refunds: [{ amount: '1.00' }] });
  });

  it('never refunds more than remains, even when refunds race', async () => {
    const payment = await paidPayment(tg, '10.00');
    const answers = await Promise.all([1, 2, 3].map((n) => refund(payment.id, { amount: '4.00' }, `race-${n}`)));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 201, 409]);
    expect(answers.find((a) => a.status === 409)!.body.error).toEqual({
      code: 'amount_exceeds_remaining',
      message: 'amount: at most 2.00 USD remains to be refunded.',
    });
    expect((await tg.getPayment(payment.id)).amountRefunded).toBe('8.00');
  });

  it('refuses a key reused for another amount with 422', async () => {
    const payment = await paidPayment(tg);
    await refund(payment.id, { amount: '1.00' }, 'reused');
    const res = await refund(payment.id, { amount: '3.00' }, 'reused');
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('idempotency_key_reused');
  });

  it('refuses with 409 a payment that has not succeeded, and leaves no refund fields on it', async () => {
    const payment = await tg.createPayment();
    const res = await refund(payment.id, {}, 'pending-1');
    expect(res.status).toBe(409);
    expect(res.body.error).toEqual({ code: 'payment_not_refundable', message: 'Only succeeded payments can be refunded; this one is pending.' });
    expect(await tg.getPayment(payment.id)).not.toHaveProperty('refunds');
  });

  it.each([
    [{ amount: 'abc' }, 'invalid_amount'],
    [{ amount: '0' }, 'invalid_amount'],
    [{ amount: '1.234' }, 'invalid_amount'],
    [{ amount: 5 }, 'invalid_amount'],
    [{ amount: '1.00', note: 'x' }, 'unknown_field'],
    [[1], 'invalid_body'],
  ])('refuses the body %j with 400 %s', async (body, code) => {
    const payment = await paidPayment(tg);
    const res = await refund(payment.id, body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe(code);
  });

  it('refuses an Idempotency-Key with spaces, an unknown payment, and a request without the API key', async () => {
    const payment = await paidPayment(tg);
    expect((await refund(payment.id, {}, 'has space')).body.error.code).toBe('invalid_idempotency_key');
    expect((await refund('pay_aaaaaaaaaaaaaaaaaaaaaaaa')).status).toBe(404);
    const anonymous = await fetch(`${tg.gateway.url}/api/payments/${payment.id}/refunds`, { method: 'POST' });
    expect(anonymous.status).toBe(401);
  });
});

describe('refunds with a processor that cannot refund', () => {
  it('answers 409 refunds_unsupported', async () => {
    const tg = await startTestGateway('memory', { processor: countingSandbox().factory });
    try {
      const payment = await paidPayment(tg);
      const res = await tg.api('POST', `/api/payments/${payment.id}/refunds`, {});
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('refunds_unsupported');
    } finally {
      await tg.close();
    }
  });
});

describe('the refunds endpoint in the OpenAPI document', () => {
  it('describes the path, the Refund schema and the refund fields of a payment', async () => {
    const tg = await startTestGateway('memory');
    try {
      const doc = (await tg.api('GET', '/api/openapi.json')).body;
      const operation = doc.paths['/api/payments/{id}/refunds'].post;
      expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '404', '409', '422', '502']));
      expect(operation.parameters.map((p: { name: string }) => p.name)).toEqual(['id', 'Idempotency-Key']);
      expect(doc.components.schemas.Refund.required).toContain('amount');
      expect(Object.keys(doc.components.schemas.Payment.properties)).toEqual(expect.arrayContaining(['amountRefunded', 'refunds']));
      expect(doc.components.schemas.Error.properties.error.properties.code.description).toContain('amount_exceeds_remaining');
    } finally {
      await tg.close();
    }
  });
});
