import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { STORE_KINDS, startTestGateway, type TestGateway } from '../../support/harness';
import { enterCard, enterPayCode } from '../../support/voiceCalls';
import type { FakeCallControl } from '../../../src/adapters/callControl/fakeCallControl';

type Json = any;

/**
 * Every answer of every documented `/api` operation is checked against the served document by ajv
 * (JSON Schema 2020-12, as OpenAPI 3.1 uses), independently of the zod schemas the document is made from.
 */
describe.each(STORE_KINDS)('the served OpenAPI document against actual API answers, by ajv (%s store)', (kind) => {
  let tg: TestGateway;
  let doc: Json;
  let ajv: Ajv2020;
  const checked = new Set<string>();

  beforeAll(async () => {
    tg = await startTestGateway(kind);
    doc = (await tg.api('GET', '/api/openapi.json')).body;
    ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema({ $id: 'doc', components: doc.components });
  });
  afterAll(async () => {
    await tg.close();
  });

  /** Calls the API and validates the answer against the document's operation for it. */
  async function call(method: 'GET' | 'POST' | 'DELETE', template: string, path: string, body?: unknown, headers?: Record<string, string>) {
    const res = await tg.api(method, path, body, headers);
    const operation = doc.paths[template]?.[method.toLowerCase()];
    expect(operation).toBeDefined();
    const response = operation.responses[String(res.status)];
    if (!response) throw new Error(`${method} ${template}: ${res.status} is not documented (${res.text})`);
    if (!response.content) {
      // A documented answer without content (204): the body must be empty too.
      expect(res.text ?? '').toBe('');
    } else {
      const schema = JSON.parse(JSON.stringify(response.content['application/json'].schema).replaceAll('"#/components/', '"doc#/components/'));
      const validate = ajv.compile(schema);
      if (!validate(res.body)) throw new Error(`${method} ${template} ${res.status}: ${ajv.errorsText(validate.errors)}\n${res.text}`);
    }
    checked.add(`${method.toLowerCase()} ${template}`);
    return res;
  }

  it('validates an answer of every documented /api operation', async () => {
    await call('GET', '/api/openapi.json', '/api/openapi.json');
    const created = await call('POST', '/api/payments', '/api/payments', { amount: '12.34', currency: 'USD' }, { 'idempotency-key': 'doc-check' });
    expect(created.status).toBe(201);
    await call('POST', '/api/payments', '/api/payments', { amount: '12.34', currency: 'USD' }, { 'idempotency-key': 'doc-check' });
    expect((await call('POST', '/api/payments', '/api/payments', { amount: '1.00', currency: 'USD' }, { 'idempotency-key': 'doc-check' })).status).toBe(422);
    expect((await call('POST', '/api/payments', '/api/payments', { amount: 'x', currency: 'USD' })).status).toBe(400);
    // A live call: the (fake) call control moves it; then one Twilio does not answer for (502).
    const live = await call('POST', '/api/payments', '/api/payments', { amount: '3.00', currency: 'USD', callSid: `CA${'2'.repeat(32)}`, returnUrl: 'https://merchant.example/after' });
    expect(live.body.returnUrl).toBe('https://merchant.example/after');
    (tg.gateway.callControl as FakeCallControl).failing.add('redirect');
    expect((await call('POST', '/api/payments', '/api/payments', { amount: '3.00', currency: 'USD', callSid: `CA${'3'.repeat(32)}`, returnUrl: 'https://merchant.example/after' })).status).toBe(502);
    (tg.gateway.callControl as FakeCallControl).failing.delete('redirect');
    expect((await call('POST', '/api/payments', '/api/payments', { amount: '3.00', currency: 'USD', returnUrl: 'https://merchant.example/after' })).status).toBe(400);
    const link = await call('POST', '/api/payments', '/api/payments', { amount: '5.00', currency: 'EUR', channel: 'link' });
    expect(link.body.payUrl).toBeDefined();

    await call('GET', '/api/payments/{id}', `/api/payments/${created.body.id}`);
    expect((await call('GET', '/api/payments/{id}', '/api/payments/pay_aaaaaaaaaaaaaaaaaaaaaaaa')).status).toBe(404);

    const paid = await call('POST', '/api/payments', '/api/payments', { amount: '7.00', currency: 'USD' });
    const phone = tg.call();
    await enterPayCode(phone, paid.body.payCode);
    await enterCard(phone, '4242424242424242', 'visa');
    await phone.press('1');
    const read = await call('GET', '/api/payments/{id}', `/api/payments/${paid.body.id}`);
    expect(read.body.card).toEqual({ brand: 'visa', last4: '4242' });
    expect((await call('POST', '/api/payments/{id}/refunds', `/api/payments/${paid.body.id}/refunds`, { amount: '1.00' })).status).toBe(201);

    const statusToken = await call('POST', '/api/payments/{id}/status-tokens', `/api/payments/${paid.body.id}/status-tokens`, { ttlSeconds: 600 });
    expect(statusToken.status).toBe(201);
    expect((await call('POST', '/api/payments/{id}/status-tokens', `/api/payments/${paid.body.id}/status-tokens`, { ttlSeconds: 5 })).status).toBe(400);
    expect((await call('POST', '/api/payments/{id}/status-tokens', '/api/payments/pay_aaaaaaaaaaaaaaaaaaaaaaaa/status-tokens')).status).toBe(404);
    // Manual capture: authorised on the call, then captured in part; a second payment voided.
    const authorise = async () => {
      const made = await call('POST', '/api/payments', '/api/payments', { amount: '9.00', currency: 'USD', capture: 'manual' });
      const caller = tg.call();
      await enterPayCode(caller, made.body.payCode);
      await enterCard(caller, '4242424242424242', 'visa');
      await caller.press('1');
      expect((await call('GET', '/api/payments/{id}', `/api/payments/${made.body.id}`)).body.status).toBe('authorized');
      return made.body.id as string;
    };
    const held = await authorise();
    expect((await call('POST', '/api/payments/{id}/capture', `/api/payments/${held}/capture`, { amount: '9.01' })).status).toBe(422);
    expect((await call('POST', '/api/payments/{id}/capture', `/api/payments/${held}/capture`, { amount: '4.00' }, { 'idempotency-key': 'cap' })).status).toBe(200);
    expect((await call('POST', '/api/payments/{id}/capture', `/api/payments/${held}/capture`, { amount: '4.00' }, { 'idempotency-key': 'cap' })).status).toBe(200);
    expect((await call('POST', '/api/payments/{id}/capture', `/api/payments/${held}/capture`, { amount: 'x' })).status).toBe(400);
    expect((await call('POST', '/api/payments/{id}/void', `/api/payments/${held}/void`)).status).toBe(409);
    const released = await authorise();
    expect((await call('POST', '/api/payments/{id}/void', `/api/payments/${released}/void`)).status).toBe(200);
    expect((await call('POST', '/api/payments/{id}/capture', `/api/payments/${released}/capture`)).status).toBe(409);
    expect((await call('POST', '/api/payments/{id}/capture', '/api/payments/pay_aaaaaaaaaaaaaaaaaaaaaaaa/capture')).status).toBe(404);
    // A card saved on a call, read as a payment method, then charged off-session.
    const save = await call('POST', '/api/payments', '/api/payments', { intent: 'save_card' });
    const saver = tg.call();
    await enterPayCode(saver, save.body.payCode);
    await enterCard(saver, '5555555555554444', 'mastercard');
    await saver.press('1');
    const saved = await call('GET', '/api/payments/{id}', `/api/payments/${save.body.id}`);
    expect(saved.body).toMatchObject({ status: 'succeeded', intent: 'save_card', paymentMethod: expect.stringMatching(/^pm_gw_/) });
    const method = await call('GET', '/api/payment-methods/{id}', `/api/payment-methods/${saved.body.paymentMethod}`);
    expect(method.body.card).toEqual({ brand: 'mastercard', last4: '4444' });
    expect((await call('GET', '/api/payment-methods/{id}', '/api/payment-methods/pm_gw_000000000000')).status).toBe(404);
    const offSession = await call('POST', '/api/payments', '/api/payments', { amount: '3.00', currency: 'USD', paymentMethod: saved.body.paymentMethod });
    expect(offSession.body).toMatchObject({ status: 'succeeded', paymentMethod: saved.body.paymentMethod });
    expect((await call('POST', '/api/payments', '/api/payments', { intent: 'save_card', amount: '1.00' })).status).toBe(400);
    const listed = await call('GET', '/api/payment-methods', '/api/payment-methods?limit=1');
    expect(listed.body.data.map((m: Json) => m.id)).toEqual([saved.body.paymentMethod]);
    expect((await call('GET', '/api/payment-methods', '/api/payment-methods?limit=0')).status).toBe(400);
    const deleted = await call('DELETE', '/api/payment-methods/{id}', `/api/payment-methods/${saved.body.paymentMethod}`);
    expect(deleted.body).toMatchObject({ deletedAt: expect.any(String), processorIds: { paymentMethod: null } });
    await call('GET', '/api/payment-methods/{id}', `/api/payment-methods/${saved.body.paymentMethod}`);
    expect((await call('DELETE', '/api/payment-methods/{id}', '/api/payment-methods/pm_gw_000000000000')).status).toBe(404);
    expect((await call('POST', '/api/payments', '/api/payments', { amount: '3.00', currency: 'USD', paymentMethod: saved.body.paymentMethod })).status).toBe(409);

    expect((await call('POST', '/api/payments/{id}/cancel', `/api/payments/${created.body.id}/cancel`)).status).toBe(200);
    expect((await call('POST', '/api/payments/{id}/cancel', `/api/payments/${paid.body.id}/cancel`)).status).toBe(409);

    const page = await call('GET', '/api/payments', '/api/payments?limit=2');
    expect(page.body.data).toHaveLength(2);
    await call('GET', '/api/payments', `/api/payments?limit=2&cursor=${page.body.nextCursor}`);
    expect((await call('GET', '/api/payments', '/api/payments?limit=500')).status).toBe(400);

    // An endpoint nothing is sent to (it asks only for failed refunds), to read each webhooks answer.
    const hook = await call('POST', '/api/webhooks', '/api/webhooks', { url: 'http://127.0.0.1:9/hooks', events: ['refund.failed'] });
    expect(hook.status).toBe(201);
    expect((await call('POST', '/api/webhooks', '/api/webhooks', { url: 'ftp://example.com' })).status).toBe(400);
    await call('GET', '/api/webhooks', '/api/webhooks');
    await call('GET', '/api/webhooks/{id}', `/api/webhooks/${hook.body.id}`);
    await call('GET', '/api/webhooks/{id}/deliveries', `/api/webhooks/${hook.body.id}/deliveries`);
    expect((await call('DELETE', '/api/webhooks/{id}', `/api/webhooks/${hook.body.id}`)).status).toBeLessThan(300);

    const documented = Object.entries(doc.paths as Record<string, Json>)
      .filter(([path]) => path.startsWith('/api/'))
      .flatMap(([path, item]) => Object.keys(item).filter((m) => ['get', 'post', 'delete', 'put', 'patch'].includes(m)).map((m) => `${m} ${path}`));
    expect([...checked].sort()).toEqual(documented.sort());
  });

  it('fails on an answer the document does not allow (the check can fail)', () => {
    const schema = { $ref: 'doc#/components/schemas/Payment' };
    expect(ajv.validate(schema, { id: 'pay_aaaaaaaaaaaaaaaaaaaaaaaa', status: 'lost' })).toBe(false);
  });
});
