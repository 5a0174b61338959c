import fc from 'fast-check';
import { startTestGateway, type TestGateway } from '../support/harness';

const STATUSES = ['pending', 'capturing', 'processing', 'succeeded', 'failed', 'canceled', 'expired'];

/** Bodies near the contract (right field names, wrong or odd values) and far from it (any JSON). */
const fieldValueArb = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom('12.34', '0', '-1', '1e3', '12.345', 'USD', 'usd', 'JPY', 'XXX', 'phone', 'link', 'en-US', 'es-US', 'default', '4242424242424242', 'CA' + '0'.repeat(32)),
  fc.string({ maxLength: 300 }),
  fc.double(),
);
const nearBodyArb = fc.dictionary(
  fc.constantFrom('amount', 'currency', 'description', 'channel', 'callSid', 'locale', 'flow', 'email', 'expiresInSeconds', 'cardNumber', '__proto__', 'constructor'),
  fieldValueArb,
  { maxKeys: 3 },
);
const anyBodyArb = fc.oneof(
  // A valid body with up to three fields replaced or added: most of the contract's branches.
  { weight: 3, arbitrary: nearBodyArb.map((b) => JSON.stringify({ amount: '12.34', currency: 'USD', ...b })) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
);

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

/**
 * Card-like runs: 13 to 19 digits passing Luhn, possibly split by spaces or dashes as people type
 * them, and standing alone (a call SID's hex digits are an id, not a card).
 */
const cardLike = (text: string) =>
  (text.match(/(?<![A-Za-z0-9])\d(?:[ -]?\d){12,18}(?![A-Za-z0-9])/g) ?? []).map((m) => m.replace(/\D/g, '')).filter(luhn);

describe('POST /api/payments with arbitrary JSON bodies (fuzz)', () => {
  let tg: TestGateway;
  beforeAll(async () => {
    tg = await startTestGateway('memory');
  });
  afterAll(async () => {
    await tg.close();
  });

  let created = 0;
  let refused = 0;

  it('answers 201 or a 4xx error object, never a 5xx, never echoes card-like digits, and creates only valid payments', async () => {
    await fc.assert(
      fc.asyncProperty(anyBodyArb, fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain'), async (body, contentType) => {
        const res = await tg.api('POST', '/api/payments', body, { 'content-type': contentType });
        expect(res.status === 201 || (res.status >= 400 && res.status < 500)).toBe(true);
        const typedCards = cardLike(body);
        for (const run of cardLike(res.text)) expect(typedCards).not.toContain(run);
        if (res.status === 201) created += 1;
        else refused += 1;
        if (res.status === 201) {
          expect(STATUSES).toContain(res.body.status);
          expect(res.body.status).toBe('pending');
          expect(res.body.payCode).toMatch(/^\d{6}$/);
          const read = await tg.api('GET', `/api/payments/${res.body.id}`);
          expect(read.status).toBe(200);
          expect(STATUSES).toContain(read.body.status);
        } else {
          expect(res.body).toMatchObject({ error: { code: expect.stringMatching(/^[a-z][A-Za-z_]*$/), message: expect.any(String) } });
        }
      }),
      { numRuns: 200, plugins: [fc.interruptAfterTimeLimit(10_000)] },
    );
    // Both sides of the contract were exercised, not only the refusals.
    expect(created).toBeGreaterThan(10);
    expect(refused).toBeGreaterThan(10);
    for (const line of tg.logLines) expect(cardLike(line)).toEqual([]);
    expect((await fetch(`${tg.gateway.url}/healthz`)).status).toBe(200);
  }, 30_000);
});
