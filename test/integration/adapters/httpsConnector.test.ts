import { randomBytes } from 'node:crypto';
import cards from '../../fixtures/test-cards.json';
import { signConnectorBody, verifyConnectorSignature } from '../../../src/adapters/processors/connectorSignature';
import { ChargeAnswerLostError } from '../../../src/adapters/processors/answerLost';
import { HttpsConnector } from '../../../src/adapters/processors/httpsConnector';
import { MemoryStore } from '../../../src/adapters/store/memoryStore';
import { AesGcmVault } from '../../../src/adapters/vault/aesGcmVault';
import { CONNECTOR_SECRET, startConnectorReceiver, type ConnectorReceiver } from '../../support/connectorReceiver';
import { vaultedChargeRequest } from '../../support/vaultedCard';

const DECLINED = cards.cards.filter((c) => c.outcome !== 'succeeded');

describe('HttpsConnector against a receiver on loopback', () => {
  let receiver: ConnectorReceiver;
  let store: MemoryStore;
  let vault: AesGcmVault;
  let connector: HttpsConnector;

  beforeAll(async () => {
    receiver = await startConnectorReceiver();
  });
  afterAll(async () => {
    await receiver.close();
  });
  beforeEach(() => {
    receiver.received.length = 0;
    store = new MemoryStore();
    vault = new AesGcmVault(store, randomBytes(32));
    connector = new HttpsConnector(vault, { url: receiver.url, secret: CONNECTOR_SECRET, timeoutMs: 1000, backoffMs: 10 });
  });
  afterEach(async () => {
    await store.close();
  });

  it('POSTs the payment and the card as signed JSON, and reads back the approval', async () => {
    const request = await vaultedChargeRequest(vault, { number: '4242424242424242', expiry: '0731', securityCode: '321' });
    const result = await connector.charge(request);

    expect(result).toEqual({ outcome: 'approved', reference: expect.stringMatching(/^ch_/) });
    expect(receiver.received).toHaveLength(1);
    const [received] = receiver.received;
    expect(received!.signature).toEqual({ ok: true });
    expect(received!.body).toEqual({
      type: 'charge',
      payment: { id: request.paymentId, amount: '12.34', amountMinor: 1234, amountExponent: 2, amountUnit: 'iso4217', currency: 'USD', description: 'Invoice 1042', callSid: request.callSid, capture: 'automatic' },
      card: { number: '4242424242424242', expMonth: 7, expYear: 2031, securityCode: '321' },
      idempotencyKey: request.idempotencyKey,
    });
    expect(received!.headers['idempotency-key']).toBe(request.idempotencyKey);
    expect(received!.headers['x-gateway-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
  });

  it.each(DECLINED.map((c) => [c.outcome, c.number] as const))('passes the receiver’s decline code %s through (%s)', async (code, number) => {
    expect(await connector.charge(await vaultedChargeRequest(vault, { number }))).toEqual({ outcome: 'declined', code, message: `Declined: ${code}` });
  });

  it('retries a 503 on the same idempotency key, re-signed, and charges once', async () => {
    receiver.failNext(2, 503);
    const request = await vaultedChargeRequest(vault, { number: '4242424242424242' });
    expect((await connector.charge(request)).outcome).toBe('approved');
    expect(receiver.received).toHaveLength(3);
    expect(new Set(receiver.received.map((r) => r.body.idempotencyKey))).toEqual(new Set([request.idempotencyKey]));
    expect(receiver.received.every((r) => r.signature.ok)).toBe(true);
    expect([...receiver.charged.keys()].filter((k) => k === request.idempotencyKey)).toHaveLength(1);
  });

  it('gives up after two retries of a failing receiver by throwing ChargeAnswerLostError, not a decline: the charge is to be looked up', async () => {
    receiver.failNext(5, 500);
    const request = await vaultedChargeRequest(vault, { number: '4242424242424242' });
    const lost = connector.charge(request);
    await expect(lost).rejects.toBeInstanceOf(ChargeAnswerLostError);
    await expect(lost).rejects.not.toThrow('4242424242424242');
    expect(receiver.received).toHaveLength(3);
    receiver.failNext(0, 500);
  });

  it('a charge the receiver made but whose every answer was lost throws, and the look-up finds it approved, charged once', async () => {
    receiver.loseAnswers(3);
    const request = await vaultedChargeRequest(vault, { number: '4242424242424242' });
    await expect(connector.charge(request)).rejects.toBeInstanceOf(ChargeAnswerLostError);
    expect(receiver.received).toHaveLength(3);
    const charged = receiver.charged.get(request.idempotencyKey);
    expect(charged).toBeDefined();
    expect(await connector.lookUp({ paymentId: request.paymentId, idempotencyKey: request.idempotencyKey })).toEqual({ outcome: 'approved', reference: charged!.reference });
    expect([...receiver.charged.keys()].filter((k) => k === request.idempotencyKey)).toHaveLength(1);
  });

  it('an off-session charge of a saved card whose answers were lost throws too', async () => {
    receiver.failNext(3, 503);
    await expect(
      connector.chargeSaved({ paymentMethod: 'tok_any', customer: null, paymentId: 'pay_offsession1', amount: '5.00', currency: 'USD', idempotencyKey: 'pay_offsession1-charge-0' }),
    ).rejects.toBeInstanceOf(ChargeAnswerLostError);
    receiver.failNext(1, 400);
    expect(
      await connector.chargeSaved({ paymentMethod: 'tok_any', customer: null, paymentId: 'pay_offsession2', amount: '5.00', currency: 'USD', idempotencyKey: 'pay_offsession2-charge-0' }),
    ).toMatchObject({ outcome: 'declined', code: 'processing_error' });
  });

  it('does not retry a 4xx answer', async () => {
    receiver.failNext(1, 400);
    expect(await connector.charge(await vaultedChargeRequest(vault, { number: '4242424242424242' }))).toMatchObject({ code: 'processing_error' });
    expect(receiver.received).toHaveLength(1);
  });

  it('times out a receiver that does not answer, retries, and then succeeds', async () => {
    receiver.delayNext(1500);
    const request = await vaultedChargeRequest(vault, { number: '4242424242424242' });
    expect((await connector.charge(request)).outcome).toBe('approved');
    expect(receiver.received.length).toBeGreaterThanOrEqual(2);
  });

  it.each([
    ['an unknown status', { status: 'maybe', reference: 'x' }],
    ['an approval without a reference', { status: 'approved' }],
    ['a reference with spaces', { status: 'approved', reference: 'a b' }],
    ['a list', [1, 2]],
  ])('turns %s into processing_error', async (_what, answer) => {
    receiver.answerNextWith(answer);
    expect(await connector.charge(await vaultedChargeRequest(vault, { number: '4242424242424242' }))).toMatchObject({ outcome: 'declined', code: 'processing_error' });
  });

  it('maps a decline code outside the contract to card_declined and masks digit runs in the message', async () => {
    receiver.answerNextWith({ status: 'declined', declineCode: 'do_not_honor', message: 'Card 4242 4242 4242 4242 refused' });
    const result = await connector.charge(await vaultedChargeRequest(vault, { number: '4242424242424242' }));
    expect(result).toEqual({ outcome: 'declined', code: 'card_declined', message: 'Card … refused' });
  });

  it('is refused by the receiver when signed with another secret', async () => {
    const wrong = new HttpsConnector(vault, { url: receiver.url, secret: 'x'.repeat(40), timeoutMs: 1000, retries: 0 });
    expect(await wrong.charge(await vaultedChargeRequest(vault, { number: '4242424242424242' }))).toMatchObject({ code: 'processing_error' });
    expect(receiver.received[0]!.signature).toEqual({ ok: false, reason: 'mismatch' });
  });

  it.each([
    ['10000', 'HUF', 1000000, 2, '10000.001'],
    ['5000', 'ISK', 5000, 0, '5000.5'],
    ['1.235', 'KWD', 1235, 3, '1.2355'],
  ])('states %s %s as amountMinor %i with amountExponent %i (ISO 4217), and refuses %s', async (amount, currency, minor, exponent, inexact) => {
    await connector.charge(await vaultedChargeRequest(vault, { number: '4242424242424242' }, { amount, currency }));
    expect(receiver.received.at(-1)!.body.payment).toMatchObject({ amount, amountMinor: minor, amountExponent: exponent, amountUnit: 'iso4217', currency });
    const before = receiver.received.length;
    expect(await connector.charge(await vaultedChargeRequest(vault, { number: '4242424242424242' }, { amount: inexact, currency }))).toMatchObject({ code: 'processing_error' });
    expect(receiver.received).toHaveLength(before);
  });

  it('looks a charge up with a signed type "status" request holding the idempotency key and no card data', async () => {
    const approved = await vaultedChargeRequest(vault, { number: '4242424242424242' });
    const declined = await vaultedChargeRequest(vault, { number: '4000000000009995' });
    const charged = await connector.charge(approved);
    await connector.charge(declined);
    receiver.received.length = 0;

    expect(await connector.lookUp({ paymentId: approved.paymentId, idempotencyKey: approved.idempotencyKey })).toEqual(charged);
    expect(await connector.lookUp({ paymentId: declined.paymentId, idempotencyKey: declined.idempotencyKey })).toMatchObject({ outcome: 'declined', code: 'insufficient_funds' });
    expect(await connector.lookUp({ paymentId: 'pay_never', idempotencyKey: 'pay_never-charge-1' })).toEqual({ outcome: 'unknown' });
    const [first] = receiver.received;
    expect(first!.body).toEqual({ type: 'status', payment: { id: approved.paymentId }, idempotencyKey: approved.idempotencyKey });
    expect(first!.headers['idempotency-key']).toBe(approved.idempotencyKey);
    expect(receiver.received.every((r) => r.signature.ok)).toBe(true);
    expect(receiver.received.map((r) => r.raw).join(' ')).not.toMatch(/4242424242424242|4000000000009995/);

    receiver.failNext(5, 503);
    expect(await connector.lookUp({ paymentId: approved.paymentId, idempotencyKey: approved.idempotencyKey })).toEqual({ outcome: 'unknown' });
    receiver.failNext(0, 503);
  });

  it('looks up a charge the receiver declined for its postal code as incorrect_zip, never as approved', async () => {
    // The receiver decides the address check itself and declines: a look-up replays that decision,
    // so the connector has nothing to reverse (unlike Stripe, which approves and leaves it to us).
    const request = await vaultedChargeRequest(vault, { number: '4242424242424242', postalCode: cards.postalCodes.fails });
    const charged = receiver.charged.size;
    expect(await connector.charge(request)).toMatchObject({ outcome: 'declined', code: 'incorrect_zip' });
    expect(await connector.lookUp({ paymentId: request.paymentId, idempotencyKey: request.idempotencyKey })).toMatchObject({ outcome: 'declined', code: 'incorrect_zip' });
    expect(receiver.charged.size).toBe(charged);
  });

  it('asks for a refund with type "refund" and no card data', async () => {
    const result = await connector.refund({ paymentId: 'pay_r', paymentReference: 'ch_1', amount: '5.00', currency: 'USD', idempotencyKey: 'pay_r-re_1' });
    expect(result).toEqual({ outcome: 'approved', reference: expect.stringMatching(/^rf_/), status: 'succeeded' });
    expect(receiver.received[0]!.body).toEqual({
      type: 'refund',
      refund: { paymentId: 'pay_r', paymentReference: 'ch_1', amount: '5.00', amountMinor: 500, amountExponent: 2, amountUnit: 'iso4217', currency: 'USD' },
      idempotencyKey: 'pay_r-re_1',
    });
  });
});

describe('connector signatures', () => {
  const secret = 's'.repeat(40);
  const body = '{"a":1}';

  it('verifies a fresh signature over the exact body', () => {
    expect(verifyConnectorSignature(secret, signConnectorBody(secret, body, 1000), body, { nowSeconds: 1010 })).toEqual({ ok: true });
  });

  it('refuses a changed body, an old timestamp, a malformed or a missing header', () => {
    const header = signConnectorBody(secret, body, 1000);
    expect(verifyConnectorSignature(secret, header, '{"a":2}', { nowSeconds: 1000 })).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyConnectorSignature(secret, header, body, { nowSeconds: 1000 + 301 })).toEqual({ ok: false, reason: 'stale' });
    expect(verifyConnectorSignature(secret, 't=abc,v1=00', body, { nowSeconds: 1000 })).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyConnectorSignature(secret, undefined, body)).toEqual({ ok: false, reason: 'missing' });
  });
});
