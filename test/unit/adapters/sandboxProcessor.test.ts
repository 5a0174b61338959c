import { randomBytes } from 'node:crypto';
import testCards from '../../fixtures/test-cards.json';
import type { ChargeAnswer, ChargeRequest, ChargeResult } from '../../../src/ports/processor';
import { SANDBOX_CARDS } from '../../../src/adapters/processors/sandboxCards';
import { SandboxProcessor } from '../../../src/adapters/processors/sandboxProcessor';
import { MemoryStore } from '../../../src/adapters/store/memoryStore';
import { AesGcmVault } from '../../../src/adapters/vault/aesGcmVault';

const JUNE_2030 = new Date(Date.UTC(2030, 5, 15));

describe('SandboxProcessor', () => {
  let store: MemoryStore;
  let vault: AesGcmVault;
  let paymentCounter = 0;

  beforeEach(() => {
    store = new MemoryStore();
    vault = new AesGcmVault(store, randomBytes(32));
  });

  afterEach(async () => {
    await store.close();
  });

  function processor(options: { latencyMs?: number; now?: Date } = {}): SandboxProcessor {
    const now = options.now ?? JUNE_2030;
    return new SandboxProcessor(vault, store, { latencyMs: options.latencyMs, now: () => now });
  }

  async function chargeRequest(number: string, expiry = '1230', idempotencyKey?: string): Promise<ChargeRequest> {
    const paymentId = `pay_${++paymentCounter}`;
    const securityCode = number.startsWith('37') ? '1234' : '123';
    const token = await vault.issueToken(paymentId, {
      cardNumber: await vault.put(paymentId, 'cardNumber', number),
      expiry: await vault.put(paymentId, 'expiry', expiry),
      securityCode: await vault.put(paymentId, 'securityCode', securityCode),
    });
    return {
      token,
      paymentId,
      amount: '12.34',
      currency: 'GBP',
      idempotencyKey: idempotencyKey ?? `${paymentId}:attempt-1`,
    };
  }

  it('carries exactly the outcome table of the test-card fixture', () => {
    expect(SANDBOX_CARDS).toEqual(testCards.cards);
  });

  it.each(testCards.cards)('gives $number ($brand) the outcome $outcome', async ({ number, outcome }) => {
    const result = await processor().charge(await chargeRequest(number));
    if (outcome === 'succeeded') {
      expect(result).toEqual({ outcome: 'approved', reference: expect.stringMatching(/^\d{10}$/) });
    } else {
      expect(result).toEqual({ outcome: 'declined', code: outcome, message: expect.any(String) });
    }
    expect(JSON.stringify(result)).not.toContain(number);
  });

  it('fails the address check of the fixtures\' failing postal code (any code of zeros) with incorrect_zip, and passes any other', async () => {
    const withPostalCode = async (number: string, postalCode: string): Promise<ChargeRequest> => {
      const paymentId = `pay_${++paymentCounter}`;
      const token = await vault.issueToken(paymentId, {
        cardNumber: await vault.put(paymentId, 'cardNumber', number),
        expiry: await vault.put(paymentId, 'expiry', '1230'),
        securityCode: await vault.put(paymentId, 'securityCode', '123'),
        postalCode: await vault.put(paymentId, 'postalCode', postalCode),
      });
      return { token, paymentId, amount: '12.34', currency: 'USD', idempotencyKey: `${paymentId}-charge-1` };
    };
    const sandbox = processor();
    expect(await sandbox.charge(await withPostalCode('4242424242424242', testCards.postalCodes.fails))).toMatchObject({ outcome: 'declined', code: 'incorrect_zip' });
    expect(await sandbox.charge(await withPostalCode('4242424242424242', '0000'))).toMatchObject({ outcome: 'declined', code: 'incorrect_zip' });
    expect(await sandbox.charge(await withPostalCode('4242424242424242', testCards.postalCodes.passes))).toMatchObject({ outcome: 'approved' });
    // A card the issuer declines is declined for its own reason first.
    expect(await sandbox.charge(await withPostalCode('4000000000009995', testCards.postalCodes.fails))).toMatchObject({ outcome: 'declined', code: 'insufficient_funds' });
  });

  it('approves any other number', async () => {
    const result = await processor().charge(await chargeRequest('4111111111111111'));
    expect(result.outcome).toBe('approved');
  });

  it('declines a card whose expiry month has ended with expired_card', async () => {
    const result = await processor().charge(await chargeRequest('4242424242424242', '0530'));
    expect(result).toEqual({ outcome: 'declined', code: 'expired_card', message: 'The card has expired.' });
  });

  it('accepts a card on the last day of its expiry month and declines it the day after', async () => {
    const lastDay = processor({ now: new Date(Date.UTC(2030, 5, 30, 23, 59, 59)) });
    expect((await lastDay.charge(await chargeRequest('4242424242424242', '0630'))).outcome).toBe('approved');
    const nextDay = processor({ now: new Date(Date.UTC(2030, 6, 1)) });
    expect(await nextDay.charge(await chargeRequest('4242424242424242', '0630'))).toMatchObject({ code: 'expired_card' });
  });

  it('declines with processing_error when the token cannot be redeemed', async () => {
    const request = await chargeRequest('4242424242424242');
    const result = await processor().charge({ ...request, token: randomBytes(32).toString('base64url') });
    expect(result).toEqual({ outcome: 'declined', code: 'processing_error', message: expect.any(String) });
  });

  it('replays the first result for a retry with the same idempotency key without redeeming again', async () => {
    const redeem = jest.spyOn(vault, 'redeem');
    const sandbox = processor();
    const request = await chargeRequest('4242424242424242');

    const first = await sandbox.charge(request);
    const retry = await sandbox.charge(request);

    expect(first.outcome).toBe('approved');
    expect(retry).toEqual(first);
    expect(redeem).toHaveBeenCalledTimes(1);
  });

  it('replays a decline too, so a retry cannot turn it into an approval', async () => {
    const sandbox = processor();
    const declinedRequest = await chargeRequest('4000000000000002', '1230', 'shared-key');
    const approvableRequest = await chargeRequest('4242424242424242', '1230', 'shared-key');

    const first = await sandbox.charge(declinedRequest);
    expect(await sandbox.charge(approvableRequest)).toEqual(first);
    expect(first).toMatchObject({ outcome: 'declined', code: 'card_declined' });
  });

  it('answers 10 parallel charges with one key with a single approval and one redemption', async () => {
    const redeem = jest.spyOn(vault, 'redeem');
    const sandbox = processor({ latencyMs: 30 });
    const request = await chargeRequest('4242424242424242');

    const results = await Promise.all(Array.from({ length: 10 }, () => sandbox.charge(request)));

    expect(new Set(results.map((r) => JSON.stringify(r))).size).toBe(1);
    expect(results[0]).toMatchObject({ outcome: 'approved' });
    expect(redeem).toHaveBeenCalledTimes(1);
  });

  it('charges different idempotency keys independently', async () => {
    const sandbox = processor();
    const results: ChargeAnswer[] = [];
    for (let i = 0; i < 3; i++) results.push(await sandbox.charge(await chargeRequest('4242424242424242')));
    const references = results.map((r) => (r.outcome === 'approved' ? r.reference : ''));
    expect(new Set(references).size).toBe(3);
  });

  it('stores no card data in its charge records', async () => {
    await processor().charge(await chargeRequest('4242424242424242', '1230', 'record-check'));
    const record = store.snapshot().get('sandbox:charge:record-check');
    expect(record).toBeDefined();
    expect(record).not.toContain('4242424242424242');
    expect(JSON.parse(record!)).toEqual({ state: 'done', result: expect.objectContaining({ outcome: 'approved' }) });
  });
});
