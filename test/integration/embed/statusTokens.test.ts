import { randomBytes } from 'node:crypto';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { API_KEY, STORE_KINDS, startTestGateway, type TestGateway } from '../../support/harness';
import { eventually } from '../../support/eventually';
import { leaksIn } from '../../support/leakScan';
import { ManualClock } from '../../support/payLinks';
import { openStatusStream, type StatusStream } from '../../support/statusStream';
import { MAX_STREAMS_PER_PAYMENT } from '../../../src/embed/embedRouter';
import { enterCard, enterPayCode, storedKeys } from '../../support/voiceCalls';

const CARD = '4242424242424242';
const WRONG_LUHN = '4242424242424241';

describe.each(STORE_KINDS)('the embeddable status view (%s store)', (kind) => {
  let tg: TestGateway;
  const clock = new ManualClock();
  const streams: StatusStream[] = [];
  const tokens: string[] = [];

  beforeAll(async () => {
    tg = await startTestGateway(kind, { clock });
  });
  afterEach(() => {
    for (const s of streams.splice(0)) s.close();
  });
  afterAll(async () => {
    await tg.close();
  });

  async function mint(paymentId: string, body?: unknown): Promise<{ token: string; expiresAt: string }> {
    const res = await tg.api('POST', `/api/payments/${paymentId}/status-tokens`, body);
    expect(res.status).toBe(201);
    tokens.push(res.body.token);
    return res.body;
  }
  const read = (paymentId: string, token: string | null) =>
    fetch(`${tg.gateway.url}/embed/payments/${paymentId}/status`, { headers: token === null ? {} : { authorization: `Bearer ${token}` } });
  async function follow(paymentId: string, token: string): Promise<StatusStream> {
    const stream = await openStatusStream(tg.gateway.url, paymentId, token);
    streams.push(stream);
    return stream;
  }
  const lastStatus = (s: StatusStream) => [...s.events].reverse().find((e) => e.name === 'status')?.data;

  it('mints a token for a payment: 201, its hash kept, never the token, and no caching', async () => {
    const payment = await tg.createPayment();
    const res = await fetch(`${tg.gateway.url}/api/payments/${payment.id}/status-tokens`, { method: 'POST', headers: { authorization: `Bearer ${API_KEY}` } });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as { token: string; paymentId: string; expiresAt: string };
    tokens.push(body.token);
    expect(body.token).toMatch(/^cst_[A-Za-z0-9_-]{43}$/);
    expect(body.paymentId).toBe(payment.id);
    expect(Date.parse(body.expiresAt)).toBe(clock.now().getTime() + 900_000);
    const short = await mint(payment.id, { ttlSeconds: 60 });
    expect(Date.parse(short.expiresAt)).toBe(clock.now().getTime() + 60_000);
    const keys = (await storedKeys(tg)).filter((k) => k.startsWith('status-token:'));
    expect(keys.length).toBeGreaterThanOrEqual(2);
    const stored = [...keys, ...(await tg.rawRedisValues())].join('\n');
    expect(leaksIn(stored, [body.token, short.token])).toEqual([]);
  });

  it.each([
    [{ ttlSeconds: 59 }, 400, 'invalid_ttlSeconds'],
    [{ ttlSeconds: 3601 }, 400, 'invalid_ttlSeconds'],
    [{ ttlSeconds: 90.5 }, 400, 'invalid_ttlSeconds'],
    [{ ttlSeconds: '900' }, 400, 'invalid_ttlSeconds'],
    [{ scope: 'all' }, 400, 'unknown_field'],
    [[1], 400, 'invalid_body'],
  ])('refuses the body %j with %i %s', async (body, status, code) => {
    const payment = await tg.createPayment();
    const res = await tg.api('POST', `/api/payments/${payment.id}/status-tokens`, body);
    expect([res.status, res.body.error.code]).toEqual([status, code]);
  });

  it('needs the API key, and a payment that exists', async () => {
    const payment = await tg.createPayment();
    const noKey = await tg.api('POST', `/api/payments/${payment.id}/status-tokens`, {}, { authorization: '' });
    expect([noKey.status, noKey.body.error.code]).toEqual([401, 'unauthorized']);
    const missing = await tg.api('POST', '/api/payments/pay_aaaaaaaaaaaaaaaaaaaaaaaa/status-tokens', {});
    expect([missing.status, missing.body.error.code]).toEqual([404, 'not_found']);
    const text = await tg.api('POST', `/api/payments/${payment.id}/status-tokens`, 'ttlSeconds=60', { 'content-type': 'text/plain' });
    expect(text.status).toBe(415);
  });

  it("reads the payment's masked status with its token", async () => {
    const payment = await tg.createPayment({ amount: '42.00' });
    const { token } = await mint(payment.id);
    const res = await read(payment.id, token);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const view = (await res.json()) as Record<string, unknown>;
    expect(view).toEqual({
      paymentId: payment.id,
      status: 'pending',
      final: false,
      amount: '42.00',
      currency: 'USD',
      card: null,
      collecting: null,
      fields: { cardNumber: 'waiting', expiry: 'waiting', securityCode: 'waiting' },
      reference: null,
      failure: null,
      updatedAt: payment.updatedAt,
    });
    // No pay code, no call, nothing a caller typed.
    expect(JSON.stringify(view)).not.toContain(payment.payCode);
  });

  it("answers 403 for another payment's status, on the read and on the stream", async () => {
    const mine = await tg.createPayment();
    const other = await tg.createPayment();
    const { token } = await mint(mine.id);
    const res = await read(other.id, token);
    expect(res.status).toBe(403);
    expect(((await res.json()) as any).error.code).toBe('forbidden');
    const stream = await follow(other.id, token);
    expect(stream.status).toBe(403);
  });

  it('answers 401 once the token has expired, by the clock, and ends an open stream', async () => {
    const payment = await tg.createPayment();
    const { token } = await mint(payment.id, { ttlSeconds: 120 });
    const stream = await follow(payment.id, token);
    expect(stream.status).toBe(200);
    await eventually(() => lastStatus(stream), 10_000, 'the first status');
    clock.advance(119);
    expect((await read(payment.id, token)).status).toBe(200);
    clock.advance(1);
    const res = await read(payment.id, token);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('Bearer');
    expect(((await res.json()) as any).error.code).toBe('token_expired');
    await stream.ended;
    expect(stream.events.at(-1)?.name).toBe('expired');
    expect((await follow(payment.id, token)).status).toBe(401);
  });

  it.each([
    ['a forged token of the right shape', () => `cst_${randomBytes(32).toString('base64url')}`],
    ['a malformed token', () => 'cst_short'],
    ['the API key', () => API_KEY],
    ['no token', () => null],
  ])('answers 401 to %s', async (_what, token) => {
    const payment = await tg.createPayment();
    const res = await read(payment.id, token());
    expect(res.status).toBe(401);
    expect(((await res.json()) as any).error.code).toBe('invalid_token');
  });

  it('answers a CORS preflight from any site, and serves the script for other origins to load', async () => {
    const pre = await fetch(`${tg.gateway.url}/embed/payments/pay_aaaaaaaaaaaaaaaaaaaaaaaa/events`, {
      method: 'OPTIONS',
      headers: { origin: 'https://desk.example.com', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('*');
    expect(pre.headers.get('access-control-allow-headers')).toMatch(/authorization/i);
    const script = await fetch(`${tg.gateway.url}/embed/card-capture-status.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(script.headers.get('cache-control')).toMatch(/max-age=\d+/);
    expect(script.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(script.headers.get('etag')).toBeTruthy();
    expect(await script.text()).toContain("customElements.define('card-capture-status'");
  });

  it('follows a keypad call live: the field asked, a refused entry, each valid field, then the reference; masked throughout', async () => {
    const payment = await tg.createPayment();
    const { token } = await mint(payment.id);
    const stream = await follow(payment.id, token);
    await eventually(() => lastStatus(stream)?.status === 'pending', 10_000, 'pending');

    const call = tg.call();
    await enterPayCode(call, payment.payCode);
    await eventually(() => lastStatus(stream)?.collecting === 'cardNumber', 10_000, 'the card number asked');
    expect(lastStatus(stream).status).toBe('capturing');

    await call.press(`${WRONG_LUHN}#`);
    await eventually(() => lastStatus(stream)?.fields.cardNumber === 'invalid', 10_000, 'the refused card number');

    await call.press(`${CARD}#`);
    await eventually(() => lastStatus(stream)?.collecting === 'expiry', 10_000, 'the expiry asked');
    expect(lastStatus(stream).card).toEqual({ brand: 'visa', last4: '4242', display: 'Visa •••• 4242' });
    expect(lastStatus(stream).fields).toEqual({ cardNumber: 'valid', expiry: 'waiting', securityCode: 'waiting' });

    await call.press('1230');
    await call.press('123');
    await eventually(() => lastStatus(stream)?.fields.securityCode === 'valid', 10_000, 'all three fields');
    await call.press('1');
    await stream.ended;
    const final = lastStatus(stream);
    const stored = await tg.getPayment(payment.id);
    expect(final).toMatchObject({ status: 'succeeded', final: true, reference: stored.reference, collecting: null });
    expect(final.reference).toMatch(/\S/);

    const seen = [stream.raw(), tg.logLines.join('\n')].join('\n');
    expect(leaksIn(seen, [CARD, WRONG_LUHN, '424242424242', /\b1230\b/, /\b123\b/, payment.payCode])).toEqual([]);
  });

  it('shows a declined payment as failed, with the reason in words', async () => {
    const payment = await tg.createPayment();
    const { token } = await mint(payment.id);
    const stream = await follow(payment.id, token);
    const call = tg.call();
    await enterPayCode(call, payment.payCode);
    await enterCard(call, '4000000000000002', 'visa');
    await call.press('1');
    expect(call.saysText()).toContain('To try another card, press 1. To end the call, press 2.');
    await call.press('2');
    await stream.ended;
    expect(lastStatus(stream)).toMatchObject({ status: 'failed', final: true, reference: null, failure: { code: 'card_declined', reason: 'Card declined' } });
  });

  it('shows a payment canceled through the API, and ends its stream', async () => {
    const payment = await tg.createPayment();
    const { token } = await mint(payment.id);
    const stream = await follow(payment.id, token);
    await eventually(() => lastStatus(stream), 10_000, 'the first status');
    expect((await tg.api('POST', `/api/payments/${payment.id}/cancel`)).status).toBe(200);
    await stream.ended;
    expect(lastStatus(stream)).toMatchObject({ status: 'canceled', final: true });
  });

  it('caps the open streams of one payment, and frees a place when one closes', async () => {
    const payment = await tg.createPayment();
    const { token } = await mint(payment.id);
    const open: StatusStream[] = [];
    for (let i = 0; i < MAX_STREAMS_PER_PAYMENT; i++) {
      const stream = await follow(payment.id, token);
      expect(stream.status).toBe(200);
      open.push(stream);
    }
    const refused = await follow(payment.id, token);
    expect(refused.status).toBe(429);
    // Another payment is not affected.
    const other = await tg.createPayment();
    expect((await follow(other.id, (await mint(other.id)).token)).status).toBe(200);
    open[0]!.close();
    await eventually(async () => {
      const again = await follow(payment.id, token);
      if (again.status !== 200) again.close();
      return again.status === 200;
    }, 10_000, 'a place freed by the closed stream');
  });

  it('ends its open streams when the gateway shuts down, so the drain is clean', async () => {
    const own = await startTestGateway(kind);
    try {
      const payment = await own.createPayment();
      const minted = await own.api('POST', `/api/payments/${payment.id}/status-tokens`);
      const stream = await openStatusStream(own.gateway.url, payment.id, minted.body.token);
      streams.push(stream);
      await eventually(() => lastStatus(stream), 10_000, 'the first status');
      await own.close();
      await stream.ended;
      expect(own.logLines.filter((line) => line.includes('still in flight'))).toEqual([]);
    } finally {
      await own.close().catch(() => undefined);
    }
  });

  it('answers as the served OpenAPI document says, checked by ajv', async () => {
    const doc = (await tg.api('GET', '/api/openapi.json')).body;
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema({ $id: 'doc', components: doc.components });
    const operation = doc.paths['/embed/payments/{id}/status'].get;
    expect(operation.security).toEqual([{ statusToken: [] }]);
    const fits = async (res: Response) => {
      const schema = JSON.parse(JSON.stringify(operation.responses[String(res.status)].content['application/json'].schema).replaceAll('"#/components/', '"doc#/components/'));
      const validate = ajv.compile(schema);
      const body = await res.json();
      if (!validate(body)) throw new Error(`${res.status}: ${ajv.errorsText(validate.errors)}`);
      return res.status;
    };
    const payment = await tg.createPayment();
    const other = await tg.createPayment();
    const { token } = await mint(payment.id);
    await expect(fits(await read(payment.id, token))).resolves.toBe(200);
    await expect(fits(await read(other.id, token))).resolves.toBe(403);
    await expect(fits(await read(payment.id, 'nope'))).resolves.toBe(401);
    // The check can fail: a status the document does not list is refused.
    const validate = ajv.compile({ $ref: 'doc#/components/schemas/EmbedStatus' });
    const view = (await (await read(payment.id, token)).json()) as Record<string, unknown>;
    expect(validate(view)).toBe(true);
    expect(validate({ ...view, status: 'lost' })).toBe(false);
  });

  it('never wrote a token in a log line', () => {
    expect(tokens.length).toBeGreaterThan(5);
    expect(leaksIn(tg.logLines.join('\n'), tokens)).toEqual([]);
  });
});
