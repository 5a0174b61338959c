import { randomBytes } from 'node:crypto';
import { API_KEY, STORE_KINDS, startTestGateway, type TestGateway } from '../../support/harness';
import { enterPayCode, storedKeys } from '../../support/voiceCalls';

const BODY = { amount: '12.34', currency: 'USD', description: 'Invoice 1042' };

describe.each(STORE_KINDS)('Idempotency-Key on POST /api/payments (%s store)', (kind) => {
  let tg: TestGateway;
  /** A second gateway on the same store: another process of the same deployment. */
  let other: TestGateway;
  beforeAll(async () => {
    tg = await startTestGateway(kind);
    other = await startTestGateway(kind, kind === 'redis' ? { prefix: tg.prefix } : { store: tg.gateway.store });
  });
  afterAll(async () => {
    await other.gateway.close();
    await tg.close();
  });

  const newKey = () => `order-${randomBytes(8).toString('hex')}`;
  const create = (gateway: TestGateway, body: unknown, key?: string) =>
    gateway.api('POST', '/api/payments', body, key === undefined ? {} : { 'idempotency-key': key });
  const paymentCount = async () => (await storedKeys(tg)).filter((k) => /^payment:pay_[a-z0-9]+$/.test(k)).length;

  it('answers a retry with the same status and body as the first answer, and creates one payment', async () => {
    const key = newKey();
    const before = await paymentCount();
    const first = await create(tg, BODY, key);
    expect(first.status).toBe(201);
    // Key order is not part of the request.
    const again = await create(tg, { description: 'Invoice 1042', currency: 'USD', amount: '12.34' }, key);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(await paymentCount()).toBe(before + 1);
  });

  it('replays the first answer even after the payment moved on', async () => {
    const key = newKey();
    const first = await create(tg, BODY, key);
    await enterPayCode(tg.call(), first.body.payCode);
    expect((await tg.getPayment(first.body.id)).status).toBe('capturing');
    const again = await create(tg, BODY, key);
    expect(again.body).toEqual(first.body);
  });

  it('refuses the same key with another body with 422 and a clear error, creating nothing', async () => {
    const key = newKey();
    await create(tg, BODY, key);
    const before = await paymentCount();
    const other = await create(tg, { ...BODY, amount: '99.00' }, key);
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe('idempotency_key_reused');
    expect(other.body.error.message).toMatch(/^Idempotency-Key: /);
    expect(await paymentCount()).toBe(before);
  });

  it('creates exactly one payment when ten requests with one key arrive at once on two processes', async () => {
    const key = newKey();
    const before = await paymentCount();
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => create(i % 2 === 0 ? tg : other, BODY, key)));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(201));
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    expect(new Set(answers.map((a) => JSON.stringify(a.body))).size).toBe(1);
    expect(await paymentCount()).toBe(before + 1);
  });

  it('creates a new payment for each request without a key, and for each distinct key', async () => {
    const a = await create(tg, BODY);
    const b = await create(tg, BODY);
    const c = await create(tg, BODY, newKey());
    expect(new Set([a.body.id, b.body.id, c.body.id]).size).toBe(3);
  });

  it('validates the key: length and printable ASCII', async () => {
    for (const bad of ['', 'x'.repeat(256), 'has space', 'tab\there']) {
      const res = await create(tg, BODY, bad);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_idempotency_key');
    }
    expect((await create(tg, BODY, 'k'.repeat(255))).status).toBe(201);
  });

  it('leaves the key free after a refused body, so the corrected request can use it', async () => {
    const key = newKey();
    expect((await create(tg, { ...BODY, amount: '-1' }, key)).status).toBe(400);
    expect((await create(tg, BODY, key)).status).toBe(201);
  });

  it('scopes keys to the API key: a gateway with another key creates its own payment', async () => {
    const key = newKey();
    const first = await create(tg, BODY, key);
    const rekeyed = await startTestGateway(kind, {
      env: { API_KEY: `${API_KEY}-rotated` },
      ...(kind === 'redis' ? { prefix: tg.prefix } : { store: tg.gateway.store }),
    });
    try {
      const res = await fetch(`${rekeyed.gateway.url}/api/payments`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEY}-rotated`, 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify(BODY),
      });
      expect(res.status).toBe(201);
      expect(((await res.json()) as { id: string }).id).not.toBe(first.body.id);
    } finally {
      await rekeyed.gateway.close();
    }
  });

  it('keeps the client key out of the store and the logs', async () => {
    const key = `secret-order-${randomBytes(8).toString('hex')}`;
    await create(tg, BODY, key);
    expect((await storedKeys(tg)).join('\n')).not.toContain(key);
    expect(tg.logLines.join('\n')).not.toContain(key);
    if (kind === 'redis') expect((await tg.rawRedisValues()).join('\n')).not.toContain(key);
  });
});
