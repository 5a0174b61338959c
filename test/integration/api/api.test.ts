import { API_KEY, STORE_KINDS, startTestGateway, type TestGateway } from '../../support/harness';

const VALID = { amount: '12.34', currency: 'USD', description: 'Invoice 1042', channel: 'phone' } as const;
const CALL_SID = `CA${'0123456789abcdef'.repeat(2)}`;

/** Fields `paymentView` answers with; the contract's plus the extras integrators already see. */
const VIEW_FIELDS = [
  'id', 'status', 'amount', 'currency', 'channel', 'description', 'locale', 'flow', 'callSid', 'card', 'expiryCaptured',
  'securityCodeCaptured', 'postalCodeCaptured', 'reference', 'processorReference', 'capture', 'failure', 'intent', 'paymentMethod', 'voiceUrl', 'expiresAt', 'createdAt', 'updatedAt',
].sort();

describe.each(STORE_KINDS)('the payments API (%s store)', (kind) => {
  let tg: TestGateway;
  beforeAll(async () => {
    tg = await startTestGateway(kind);
  });
  afterAll(async () => {
    await tg.close();
  });

  const create = (body: unknown) => tg.api('POST', '/api/payments', body);

  it('refuses an unknown flow without repeating what was sent (a card number typed into it stays out of the answer)', async () => {
    const res = await tg.api('POST', '/api/payments', { amount: '12.34', currency: 'USD', flow: '4242424242424242' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_flow');
    expect(res.text).not.toContain('4242424242424242');
  });

  describe('creating and reading a payment', () => {
    it('answers 201 with the contract fields, a 6-digit pay code, an absolute voice URL and a Location header', async () => {
      const res = await fetch(`${tg.gateway.url}/api/payments`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ ...VALID, callSid: CALL_SID }),
      });
      expect(res.status).toBe(201);
      const body = (await res.json()) as Record<string, unknown>;
      expect(body).toMatchObject({
        status: 'pending',
        amount: '12.34',
        currency: 'USD',
        channel: 'phone',
        description: 'Invoice 1042',
        callSid: CALL_SID,
        locale: 'en-US',
        flow: 'default',
        card: null,
        expiryCaptured: false,
        securityCodeCaptured: false,
        reference: null,
        failure: null,
      });
      expect(Object.keys(body).sort()).toEqual([...VIEW_FIELDS, 'payCode'].sort());
      expect(body.id).toMatch(/^pay_[a-z2-7]{24}$/);
      expect(body.payCode).toMatch(/^[0-9]{6}$/);
      expect(body.voiceUrl).toBe(`${tg.baseUrl}/voice/payments/${String(body.id)}`);
      expect(new URL(String(body.voiceUrl)).origin).toBe(new URL(tg.baseUrl).origin);
      expect(res.headers.get('location')).toBe(`/api/payments/${String(body.id)}`);
      expect(Date.parse(String(body.createdAt))).not.toBeNaN();
      expect(Date.parse(String(body.expiresAt))).toBeGreaterThan(Date.parse(String(body.createdAt)));
    });

    it('reads a payment back as its masked view, without the pay code', async () => {
      const created = await tg.createPayment({ description: 'Invoice 7' });
      const res = await tg.api('GET', `/api/payments/${created.id}`);
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(VIEW_FIELDS);
      expect(res.body).toMatchObject({ id: created.id, status: 'pending', amount: '12.34', currency: 'USD', card: null, reference: null, failure: null });
      expect(res.text).not.toContain(created.payCode);
    });

    it('accepts a lowercase currency and answers it in upper case', async () => {
      const res = await create({ amount: '5.00', currency: 'usd' });
      expect(res.status).toBe(201);
      expect(res.body.currency).toBe('USD');
    });

    it('normalizes the amount to the currency\'s minor digits', async () => {
      expect((await create({ amount: '12.3', currency: 'USD' })).body.amount).toBe('12.30');
      expect((await create({ amount: '007', currency: 'USD' })).body.amount).toBe('7.00');
      expect((await create({ amount: '1500', currency: 'JPY' })).body.amount).toBe('1500');
    });

    it('speaks the locale asked for when the flow has it', async () => {
      const res = await create({ amount: '1.00', currency: 'USD', locale: 'es-US' });
      expect(res.status).toBe(201);
      expect(res.body.locale).toBe('es-US');
    });

    it('gives 50 payments 50 different pay codes', async () => {
      const codes = new Set<string>();
      for (let i = 0; i < 50; i += 1) codes.add((await tg.createPayment()).payCode);
      expect(codes.size).toBe(50);
    });
  });

  describe('authentication', () => {
    /** Straight fetch: the harness would add the right key. */
    const withHeaders = async (method: 'GET' | 'POST', path: string, headers: Record<string, string>, body?: string) => {
      const res = await fetch(tg.gateway.url + path, { method, headers: { 'content-type': 'application/json', ...headers }, ...(body === undefined ? {} : { body }) });
      const text = await res.text();
      tg.responses.push(text);
      return { status: res.status, text, body: JSON.parse(text) as { error: { code: string; message: string } } };
    };

    it.each<[string, Record<string, string>]>([
      ['without an Authorization header', {}],
      ['with a wrong key', { authorization: 'Bearer not-the-key-0123456789abcdef' }],
      ['with the right key under the Basic scheme', { authorization: `Basic ${API_KEY}` }],
      ['with an empty bearer', { authorization: 'Bearer ' }],
      ['with the key and trailing junk', { authorization: `Bearer ${API_KEY} x` }],
    ])('answers 401 %s, on create and on read', async (_label, headers) => {
      const created = await tg.createPayment();
      for (const res of [
        await withHeaders('POST', '/api/payments', headers, JSON.stringify(VALID)),
        await withHeaders('GET', `/api/payments/${created.id}`, headers),
      ]) {
        expect(res.status).toBe(401);
        expect(res.body).toEqual({ error: { code: 'unauthorized', message: expect.stringContaining('API key') } });
        expect(res.text).not.toContain(created.payCode);
      }
    });

    it('checks the key before reading the body, so an unauthenticated bad body is still 401', async () => {
      expect((await withHeaders('POST', '/api/payments', {}, '{not json')).status).toBe(401);
    });

    it('accepts the bearer scheme in any case', async () => {
      expect((await withHeaders('POST', '/api/payments', { authorization: `bearer ${API_KEY}` }, JSON.stringify(VALID))).status).toBe(201);
    });
  });

  describe('unknown things', () => {
    it('answers 404 not_found for an unknown payment id', async () => {
      const res = await tg.api('GET', '/api/payments/pay_aaaaaaaaaaaaaaaaaaaaaaaa');
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    });

    it('answers 404 not_found for a malformed payment id', async () => {
      for (const id of ['nope', 'pay_UPPER0000000000', 'pay_short', encodeURIComponent('pay_aaaaaaaaaaaa/../x')]) {
        const res = await tg.api('GET', `/api/payments/${id}`);
        expect(res.status).toBe(404);
        expect(res.body.error.code).toBe('not_found');
      }
    });

    it('answers an unknown path with a 404 JSON error', async () => {
      for (const path of ['/nowhere', '/api/refunds']) {
        const res = await tg.api('GET', path);
        expect(res.status).toBe(404);
        expect(res.body).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
      }
    });
  });

  describe('rejecting a bad body with 400 naming the field', () => {
    it('answers invalid_json for malformed JSON', async () => {
      const res = await create('{"amount": "12.34",');
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_json');
    });

    it('answers invalid_body for a JSON array', async () => {
      const res = await create([VALID]);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_body');
    });

    it('says "amount: is required" when the amount is missing', async () => {
      const res = await create({ currency: 'USD' });
      expect(res.status).toBe(400);
      expect(res.body.error).toEqual({ code: 'invalid_amount', message: 'amount: is required' });
    });

    it.each<[string, Record<string, unknown>, string]>([
      ['an amount given as a JSON number', { amount: 12.34 }, 'amount'],
      ['a zero amount', { amount: '0' }, 'amount'],
      ['a zero amount with decimals', { amount: '0.00' }, 'amount'],
      ['a negative amount', { amount: '-1' }, 'amount'],
      ['three decimals in USD', { amount: '12.345' }, 'amount'],
      ['decimals in JPY', { amount: '12.5', currency: 'JPY' }, 'amount'],
      ['an exponent', { amount: '1e3' }, 'amount'],
      ['an amount with spaces', { amount: ' 12.34' }, 'amount'],
      ['an unknown currency', { currency: 'XYZ' }, 'currency'],
      ['a currency given as a number', { currency: 12 }, 'currency'],
      ['a missing currency', { currency: undefined }, 'currency'],
      ['a card number in the description', { description: 'Invoice 4242 4242 4242 4242' }, 'description'],
      ['a description over 200 characters', { description: 'x'.repeat(201) }, 'description'],
      ['a malformed call SID', { callSid: 'CA123' }, 'callSid'],
      ['an unknown channel', { channel: 'fax' }, 'channel'],
      ['an unknown flow', { flow: 'no-such-flow' }, 'flow'],
      ['a locale the flow does not speak', { locale: 'fr-FR' }, 'locale'],
      ['a malformed locale', { locale: 'english' }, 'locale'],
    ])('rejects %s', async (_label, change, field) => {
      const res = await create({ ...VALID, ...change });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe(`invalid_${field}`);
      expect(res.body.error.message).toMatch(new RegExp(`^${field}: \\S`));
    });

    it('rejects an unknown field, naming it and listing the allowed ones', async () => {
      const res = await create({ ...VALID, tip: '1.00' });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('unknown_field');
      expect(res.body.error.message).toMatch(/^tip: unknown field \(allowed: amount, currency/);
    });

    it('accepts a description of exactly 200 characters', async () => {
      expect((await create({ ...VALID, description: 'x'.repeat(200) })).status).toBe(201);
    });

    it('answers a link payment with its payUrl', async () => {
      const res = await create({ ...VALID, channel: 'link' });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ channel: 'link', payUrl: expect.stringMatching(/\/pay\/[A-Za-z0-9_-]{43}$/) });
    });

    it('never echoes a card number it refused', async () => {
      const res = await create({ ...VALID, description: 'card 4242424242424242' });
      expect(res.status).toBe(400);
      expect(res.text).not.toContain('4242424242424242');
    });
  });

  describe('the OpenAPI document', () => {
    it('is served without a key and describes both payment endpoints against this gateway', async () => {
      const res = await fetch(`${tg.gateway.url}/api/openapi.json`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const doc = JSON.parse(await res.text());
      expect(doc.openapi).toMatch(/^3\.1\./);
      expect(doc.servers).toEqual([{ url: tg.baseUrl }]);
      expect(doc.paths['/api/payments'].post.responses).toHaveProperty('201');
      expect(doc.paths['/api/payments/{id}'].get.responses).toHaveProperty('404');
      for (const path of ['/voice/incoming', '/voice/payments/{id}', '/voice/capture', '/voice/status', '/voice/fallback']) {
        expect(Object.keys(doc.paths[path].post.requestBody.content)).toEqual(['application/x-www-form-urlencoded']);
      }
      expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    });

    it('lists as required exactly the fields the API answers with', async () => {
      const doc = (await tg.api('GET', '/api/openapi.json')).body;
      expect([...doc.components.schemas.Payment.required].sort()).toEqual(VIEW_FIELDS);
      const created = await tg.createPayment();
      const documented = [...doc.components.schemas.Payment.required, ...doc.components.schemas.CreatedPayment.required];
      expect(documented.sort()).toEqual(Object.keys(created).sort());
      const request = doc.components.schemas.CreatePaymentRequest;
      expect(Object.keys(request.properties).sort()).toEqual(['accountHolderName', 'amount', 'callSid', 'capture', 'channel', 'currency', 'description', 'email', 'expiresInSeconds', 'flow', 'intent', 'locale', 'paymentMethod', 'returnUrl']);
      // A save_card payment takes neither: the body's check asks for them on a charge (amount: is required).
      expect(request.required ?? []).toEqual([]);
    });
  });
});

describe.each(STORE_KINDS)('payment expiry (%s store)', (kind) => {
  let tg: TestGateway;
  let t = Date.parse('2030-01-15T10:00:00.000Z');
  beforeAll(async () => {
    tg = await startTestGateway(kind, { env: { PAYMENT_TTL_SECONDS: '60' }, clock: { now: () => new Date(t) } });
  });
  afterAll(async () => {
    await tg.close();
  });

  it('reads a pending payment as expired once its time has passed', async () => {
    const created = await tg.createPayment();
    expect(created.expiresAt).toBe('2030-01-15T10:01:00.000Z');
    t += 59_000;
    expect((await tg.getPayment(created.id)).status).toBe('pending');
    t += 1_000;
    expect((await tg.getPayment(created.id)).status).toBe('expired');
  });

  it('does not let a caller start an expired payment', async () => {
    const created = await tg.createPayment();
    t += 61_000;
    const call = tg.call();
    await call.start(created.voiceUrl);
    expect(call.saysText()).toContain('can no longer be taken');
    expect((await tg.getPayment(created.id)).status).toBe('expired');
  });
});
