import { STORE_KINDS, startTestGateway, type TestGateway } from '../../support/harness';
import { payWith } from '../../support/payLinks';
import { leaksIn } from '../../support/leakScan';
import type { FakeStripe } from '../../support/fakeStripe';
import type { ConnectorReceiver } from '../../support/connectorReceiver';
import { useConnectorGateway, useStripeGateway } from '../../support/processorGateway';

const GOOD = '4242424242424242';
const MASTERCARD = '5555555555554444';

/** Saves a card through a save_card pay link (one submission) and answers the saved card's id. */
async function saveCard(tg: TestGateway, number = GOOD): Promise<string> {
  const created = await tg.api('POST', '/api/payments', { intent: 'save_card', channel: 'link' });
  expect(created.status).toBe(201);
  await payWith(tg, created.body.payUrl, { cardNumber: number, securityCode: '123' });
  const payment = await tg.getPayment(created.body.id);
  expect(payment.status).toBe('succeeded');
  return payment.paymentMethod;
}

describe.each(STORE_KINDS)('listing and deleting saved cards (sandbox, %s store)', (kind) => {
  let tg: TestGateway;

  beforeAll(async () => {
    tg = await startTestGateway(kind, { env: { PAY_RATE_LIMIT_PER_CLIENT: '10000' } });
  });
  afterAll(async () => {
    await tg.close();
  });

  it('lists saved cards newest first, a page at a time, and by processor customer', async () => {
    const ids = [await saveCard(tg), await saveCard(tg, MASTERCARD), await saveCard(tg)];
    const first = await tg.api('GET', '/api/payment-methods?limit=2');
    expect(first.status).toBe(200);
    expect(first.body.data.map((m: any) => m.id)).toEqual([ids[2], ids[1]]);
    expect(first.body.data[1]).toMatchObject({ card: { brand: 'mastercard', last4: '4444' }, deletedAt: null, processorIds: { paymentMethod: expect.stringMatching(/^tok_sbx_/) } });
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await tg.api('GET', `/api/payment-methods?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.data.map((m: any) => m.id)).toEqual([ids[0]]);
    expect(second.body.nextCursor).toBeNull();

    const customer = first.body.data[1].processorIds.customer;
    const mine = await tg.api('GET', `/api/payment-methods?customer=${encodeURIComponent(customer)}`);
    expect(mine.body.data.map((m: any) => m.id)).toEqual([ids[1]]);
  });

  it('refuses bad queries with the parameter named, and every route without the API key', async () => {
    for (const [query, code] of [
      ['limit=0', 'invalid_limit'],
      ['limit=500', 'invalid_limit'],
      ['cursor=nonsense!', 'invalid_cursor'],
      ['customer=a%20b', 'invalid_customer'],
      ['status=succeeded', 'unknown_parameter'],
    ] as const) {
      const res = await tg.api('GET', `/api/payment-methods?${query}`);
      expect([res.status, res.body.error.code]).toEqual([400, code]);
    }
    const id = await saveCard(tg);
    for (const [method, path] of [
      ['GET', '/api/payment-methods'],
      ['GET', `/api/payment-methods/${id}`],
      ['DELETE', `/api/payment-methods/${id}`],
    ] as const) {
      const res = await fetch(tg.gateway.url + path, { method });
      expect(res.status).toBe(401);
    }
    expect((await tg.api('GET', `/api/payment-methods/${id}`)).body.deletedAt).toBeNull();
  });

  it('deletes a card: wiped token, left out of the list, and charging it answers 409 payment_method_deleted', async () => {
    const id = await saveCard(tg);
    expect((await tg.api('POST', '/api/payments', { amount: '1.00', currency: 'USD', paymentMethod: id })).body.status).toBe('succeeded');
    const deleted = await tg.api('DELETE', `/api/payment-methods/${id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ id, deletedAt: expect.any(String), card: { brand: 'visa', last4: '4242' }, processorIds: { paymentMethod: null } });
    expect((await tg.api('GET', `/api/payment-methods/${id}`)).body).toEqual(deleted.body);
    const listed = await tg.api('GET', '/api/payment-methods?limit=100');
    expect(listed.body.data.map((m: any) => m.id)).not.toContain(id);

    const charge = await tg.api('POST', '/api/payments', { amount: '1.00', currency: 'USD', paymentMethod: id });
    expect([charge.status, charge.body.error.code]).toEqual([409, 'payment_method_deleted']);
  });

  it('answers a repeated or parallel DELETE the same, and an unknown or malformed id 404 without echoing it', async () => {
    const id = await saveCard(tg);
    const [a, b] = await Promise.all([tg.api('DELETE', `/api/payment-methods/${id}`), tg.api('DELETE', `/api/payment-methods/${id}`)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(b.body).toEqual(a.body);
    expect((await tg.api('DELETE', `/api/payment-methods/${id}`)).body).toEqual(a.body);
    expect((await tg.api('DELETE', '/api/payment-methods/pm_gw_000000000000')).status).toBe(404);
    const malformed = await tg.api('DELETE', `/api/payment-methods/${GOOD}`);
    expect(malformed.status).toBe(404);
    expect(malformed.text).not.toContain(GOOD);
  });

  it('keeps no card data in the store, answers or logs', async () => {
    const stored = (await tg.rawRedisValues()).join('\n');
    expect(leaksIn(stored, [GOOD, MASTERCARD])).toEqual([]);
    expect(leaksIn(tg.responses.join('\n') + tg.logLines.join('\n'), [GOOD, MASTERCARD])).toEqual([]);
  });
});

describe('deleting a card saved with Stripe (fake Stripe)', () => {
  let fake: FakeStripe;
  let tg: TestGateway;
  useStripeGateway('redis', { env: { PAY_RATE_LIMIT_PER_CLIENT: '10000' } }, (opened) => ({ fake, tg } = opened));

  it('detaches the PaymentMethod once; a Stripe failure changes nothing and the DELETE can be sent again', async () => {
    const id = await saveCard(tg);
    const token = (await tg.api('GET', `/api/payment-methods/${id}`)).body.processorIds.paymentMethod;
    const detaches = () => fake.requests.filter((r) => r.path === `/v1/payment_methods/${token}/detach`);

    // Stripe answers 500 to the request and both of the client's own retries.
    fake.failNext(3);
    const failed = await tg.api('DELETE', `/api/payment-methods/${id}`);
    expect([failed.status, failed.body.error.code]).toEqual([502, 'payment_method_not_deleted']);
    expect((await tg.api('GET', `/api/payment-methods/${id}`)).body).toMatchObject({ deletedAt: null, processorIds: { paymentMethod: token } });

    const deleted = await tg.api('DELETE', `/api/payment-methods/${id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ deletedAt: expect.any(String), processorIds: { paymentMethod: null } });
    expect(detaches().at(-1)!.headers['idempotency-key']).toBe(`${id}-delete`);
    const sent = detaches().length;
    expect((await tg.api('DELETE', `/api/payment-methods/${id}`)).body).toEqual(deleted.body);
    expect(detaches()).toHaveLength(sent);

    const charge = await tg.api('POST', '/api/payments', { amount: '1.00', currency: 'USD', paymentMethod: id });
    expect([charge.status, charge.body.error.code]).toEqual([409, 'payment_method_deleted']);
    expect(fake.requests.filter((r) => r.path === '/v1/payment_intents')).toHaveLength(0);
  });
});

describe('deleting a card saved with the HTTPS connector', () => {
  let receiver: ConnectorReceiver;
  let tg: TestGateway;
  useConnectorGateway('memory', { env: { PAY_RATE_LIMIT_PER_CLIENT: '10000' } }, (opened) => ({ receiver, tg } = opened));

  it('sends one signed detokenize request with the token and no card data', async () => {
    const id = await saveCard(tg);
    const token = (await tg.api('GET', `/api/payment-methods/${id}`)).body.processorIds.paymentMethod;
    expect(receiver.tokens.has(token)).toBe(true);
    expect((await tg.api('DELETE', `/api/payment-methods/${id}`)).status).toBe(200);
    expect((await tg.api('DELETE', `/api/payment-methods/${id}`)).status).toBe(200);
    const sent = receiver.received.filter((r) => r.body.type === 'detokenize');
    expect(sent).toHaveLength(1);
    expect(sent[0]!.signature).toEqual({ ok: true });
    expect(sent[0]!.body).toEqual({ type: 'detokenize', paymentMethod: { token, customer: expect.any(String) }, idempotencyKey: `${id}-delete` });
    expect(receiver.tokens.has(token)).toBe(false);
  });
});
