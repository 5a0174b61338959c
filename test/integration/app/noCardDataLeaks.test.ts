import Redis from 'ioredis';
import testCards from '../../fixtures/test-cards.json';
import { MemoryStore } from '../../../src/adapters/store/memoryStore';
import { REDIS_URL, STORE_KINDS, startTestGateway, type StoreKind, type TestCall, type TestGateway } from '../../support/harness';

interface TestCard {
  number: string;
  brand: string;
  outcome: string;
}

const CARDS: TestCard[] = testCards.cards;
const INVALID_NUMBERS: string[] = testCards.invalid.map((c) => c.number);
const GOOD_CARD = CARDS.find((c) => c.outcome === 'succeeded' && c.brand === 'visa')!;
const DECLINED_CARD = CARDS.find((c) => c.outcome === 'card_declined')!;
const EXPIRY = '1230';
const securityCodeFor = (card: TestCard) => (card.brand === 'american-express' ? '1234' : '123');
/** Not the harness' 12.34: its 1234 minor units would be indistinguishable from an Amex security code. */
const AMOUNT = { amount: '47.50', currency: 'USD' };

/** `v1.<iv>.<tag>.<ciphertext>`, each part base64: what AesGcmVault stores. */
const CIPHERTEXT = /^v1\.[A-Za-z0-9+/]+={0,2}\.[A-Za-z0-9+/]+={0,2}\.[A-Za-z0-9+/]*={0,2}$/;

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Shapes in which a typed value would show up if some layer kept or echoed it. */
function patternsFor(): Array<{ name: string; pattern: RegExp }> {
  const patterns: Array<{ name: string; pattern: RegExp }> = [];
  for (const pan of new Set([...CARDS.map((c) => c.number), ...INVALID_NUMBERS])) {
    // The plain number, and the number in groups of four as a person or a formatter writes it.
    const grouped = pan.match(/.{1,4}/g)!.map(escape).join('[ -]');
    patterns.push({ name: `card number ${pan}`, pattern: new RegExp(`${escape(pan)}|${grouped}`) });
  }
  // Short values are only findable as values: a bare "123" occurs in timestamps and ids.
  for (const value of [EXPIRY, '123', '1234']) {
    patterns.push({
      name: `typed value ${value}`,
      pattern: new RegExp(
        [
          `"${value}"`, // a JSON string
          `'${value}'`, // util.inspect
          `Digits=${value}(?![0-9])`, // a form body or query string
          `"[A-Za-z_]+"\\s*:\\s*${value}(?![0-9.])`, // a JSON number
        ].join('|'),
      ),
    });
  }
  return patterns;
}

const PATTERNS = patternsFor();

/** Every place in `texts` where a typed value appears, with a little context to find it. */
function findCardData(texts: Iterable<string>): string[] {
  const found: string[] = [];
  for (const text of texts) {
    for (const { name, pattern } of PATTERNS) {
      const match = pattern.exec(text);
      if (match) found.push(`${name}: …${text.slice(Math.max(0, match.index - 60), match.index + match[0].length + 20)}…`);
    }
  }
  return found;
}

describe.each(STORE_KINDS)('no card data outlives the keypad (%s store)', (kind: StoreKind) => {
  let tg: TestGateway;
  let redis: Redis | undefined;
  /** Bodies of every request this test sent: the control showing the scan can see what was typed. */
  const sent: string[] = [];
  const realFetch = globalThis.fetch;
  const callsEnded: string[] = [];

  beforeAll(async () => {
    globalThis.fetch = (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
      if (typeof init?.body === 'string') sent.push(init.body);
      return realFetch(input, init);
    }) as typeof fetch;
    tg = await startTestGateway(kind);
    if (kind === 'redis') redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    globalThis.fetch = realFetch;
    redis?.disconnect();
    await tg.close();
  });

  /** What the store holds right now, key → value, read around the gateway rather than through it. */
  async function atRest(): Promise<Map<string, string>> {
    if (kind === 'memory') {
      expect(tg.gateway.store).toBeInstanceOf(MemoryStore);
      return (tg.gateway.store as MemoryStore).snapshot();
    }
    const out = new Map<string, string>();
    for (const key of await redis!.keys(`${tg.prefix}*`)) {
      out.set(key.slice(tg.prefix.length), await valueOf(redis!, key));
    }
    return out;
  }

  /**
   * A key's whole content as text, whatever its type: records are hashes (field `d`), the webhook job
   * queue (BullMQ) keeps hashes, lists, sorted sets and strings, the audit trail a stream.
   */
  async function valueOf(client: Redis, key: string): Promise<string> {
    switch (await client.type(key)) {
      case 'hash': {
        const fields = await client.hgetall(key);
        // A record's value is its `d` field, which the scans below read as JSON.
        return fields.d ?? JSON.stringify(fields);
      }
      case 'string':
        return (await client.get(key)) ?? '';
      case 'list':
        return JSON.stringify(await client.lrange(key, 0, -1));
      case 'set':
        return JSON.stringify(await client.smembers(key));
      case 'zset':
        return JSON.stringify(await client.zrange(key, '0', '-1'));
      case 'stream':
        return JSON.stringify(await client.xrange(key, '-', '+'));
      default:
        return '';
    }
  }

  async function vaultEntries(paymentId?: string): Promise<Array<[string, string]>> {
    const needle = paymentId ? `vault:${paymentId}:` : 'vault:';
    return [...(await atRest())].filter(([key]) => key.includes(needle));
  }

  /** Dials in, types the pay code (or follows the voice URL), and stops at the card number prompt. */
  async function reachCardNumber(payment: { payCode: string; voiceUrl: string }, viaVoiceUrl: boolean): Promise<TestCall> {
    const call = tg.call();
    if (viaVoiceUrl) {
      await call.start(payment.voiceUrl);
    } else {
      await call.start();
      await call.press(`${payment.payCode}#`);
    }
    expect(call.saysText()).toContain('card number');
    return call;
  }

  /** Types a card from the number to the confirmation, checking on the way that only ciphertext is vaulted. */
  async function typeCard(call: TestCall, paymentId: string, card: TestCard): Promise<void> {
    await call.press(`${card.number}#`);
    expect(call.saysText()).toContain('expiration date');
    await call.press(EXPIRY);
    expect(call.saysText()).toContain('security code');
    await call.press(securityCodeFor(card));
    expect(call.saysText()).toContain('To pay now, press 1');
    const vaulted = await vaultEntries(paymentId);
    expect(vaulted).toHaveLength(3);
    for (const [, value] of vaulted) expect(value).toMatch(CIPHERTEXT);
  }

  it('captures and charges every test card, after a mistyped number, with each outcome recorded', async () => {
    for (const [i, card] of CARDS.entries()) {
      const payment = await tg.createPayment({ ...AMOUNT, description: `Leak scan ${i + 1}` });
      const call = await reachCardNumber(payment, i % 2 === 1);
      const mistake = INVALID_NUMBERS[i % INVALID_NUMBERS.length]!;
      await call.press(`${mistake}#`);
      expect(call.saysText()).toMatch(/^Sorry/);
      expect(call.saysText()).toContain('card number');
      await typeCard(call, payment.id, card);
      await call.press('1');
      if (card.outcome === 'succeeded') {
        expect(call.saysText()).toContain('reference number');
      } else {
        expect(call.saysText()).toContain('To try another card, press 1');
        await call.press('2');
        expect(call.hasHangup()).toBe(true);
      }
      expect(await call.hangUp()).toBe(204);
      callsEnded.push(call.callSid);

      const view = await tg.getPayment(payment.id);
      expect(view.card).toEqual({ brand: card.brand, last4: card.number.slice(-4) });
      if (card.outcome === 'succeeded') expect(view).toMatchObject({ status: 'succeeded', failure: null });
      else expect(view).toMatchObject({ status: 'failed', failure: { code: card.outcome } });
    }
  });

  it('wipes what was typed when the caller hangs up mid-capture', async () => {
    const payment = await tg.createPayment({ ...AMOUNT, description: 'Leak scan hang-up' });
    const call = await reachCardNumber(payment, false);
    await call.press(`${GOOD_CARD.number}#`);
    await call.press(EXPIRY);
    expect(call.saysText()).toContain('security code');
    expect(await vaultEntries(payment.id)).toHaveLength(2);
    expect(await call.hangUp()).toBe(204);
    callsEnded.push(call.callSid);
    expect(await vaultEntries(payment.id)).toEqual([]);
    expect(await tg.getPayment(payment.id)).toMatchObject({ status: 'failed', failure: { code: 'caller_hung_up' } });
  });

  it('charges a second card after a decline, keeping neither', async () => {
    const payment = await tg.createPayment({ ...AMOUNT, description: 'Leak scan retry' });
    const call = await reachCardNumber(payment, true);
    await typeCard(call, payment.id, DECLINED_CARD);
    await call.press('1');
    expect(call.saysText()).toContain('To try another card, press 1');
    await call.press('1');
    expect(call.saysText()).toContain('card number');
    expect(await vaultEntries(payment.id)).toEqual([]);
    await typeCard(call, payment.id, GOOD_CARD);
    await call.press('1');
    expect(call.saysText()).toContain('reference number');
    expect(await call.hangUp()).toBe(204);
    callsEnded.push(call.callSid);
    expect(await tg.getPayment(payment.id)).toMatchObject({ status: 'succeeded', card: { last4: GOOD_CARD.number.slice(-4) } });
  });

  describe('after every call', () => {
    beforeAll(() => {
      // Without the calls above the scans below would pass on nothing.
      expect(callsEnded).toHaveLength(CARDS.length + 2);
    });

    it('sent every typed value, so the scan below can see each one', () => {
      const jsonSent = sent.map((body) => JSON.stringify(Object.fromEntries(new URLSearchParams(body))));
      for (const { name, pattern } of PATTERNS) {
        expect([name, sent.some((body) => pattern.test(body))]).toEqual([name, true]);
        expect([name, jsonSent.some((body) => pattern.test(body))]).toEqual([name, true]);
      }
      for (const value of [EXPIRY, '123', '1234', ...CARDS.map((c) => c.number), ...INVALID_NUMBERS]) {
        expect(sent.some((body) => new URLSearchParams(body).get('Digits') === value)).toBe(true);
      }
    });

    it('logged no card number, expiry or security code', () => {
      expect(tg.logLines.length).toBeGreaterThan(CARDS.length * 5);
      expect(findCardData(tg.logLines)).toEqual([]);
    });

    it('answered no card number, expiry or security code in TwiML or API responses', () => {
      expect(tg.responses.some((r) => r.includes('<Gather'))).toBe(true);
      expect(tg.responses.some((r) => r.includes('"status":"succeeded"'))).toBe(true);
      expect(findCardData(tg.responses)).toEqual([]);
    });

    it('keeps no card number, expiry or security code in any stored key or value', async () => {
      const raw = kind === 'redis' ? await tg.rawRedisValues() : [...(await atRest())].flat();
      expect(raw.some((v) => v.includes('payment:'))).toBe(true);
      expect(findCardData(raw)).toEqual([]);
      const typed = new Set([EXPIRY, '123', '1234', ...CARDS.map((c) => c.number), ...INVALID_NUMBERS]);
      expect(raw.filter((v) => typed.has(v))).toEqual([]);
    });

    it('leaves nothing in the vault, tokens included', async () => {
      expect(await vaultEntries()).toEqual([]);
    });
  });
});
