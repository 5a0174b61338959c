import cards from '../../fixtures/test-cards.json';
import { ChargeAnswerLostError } from '../../../src/adapters/processors/answerLost';
import { StripeProcessor } from '../../../src/adapters/processors/stripeProcessor';
import type { AesGcmVault } from '../../../src/adapters/vault/aesGcmVault';
import { FAKE_STRIPE_KEY, THREE_D_SECURE_CARD, type FakeStripe } from '../../support/fakeStripe';
import { vaultedChargeRequest } from '../../support/vaultedCard';
import { useStripeAdapter } from '../../support/stripeAdapter';

const DECLINED = cards.cards.filter((c) => c.outcome !== 'succeeded');
const CARD_VALUES = (number: string) => [number, number.slice(0, 6), '1230', '2030', '123'];

describe('StripeProcessor against a Stripe-shaped server on loopback', () => {
  let fake: FakeStripe;
  let vault: AesGcmVault;
  let stripe: StripeProcessor;
  useStripeAdapter('PHONE PAY', (rig) => ({ fake, vault, stripe } = rig));

  it('creates a PaymentMethod from the vaulted card, then confirms one PaymentIntent with the amount in minor units', async () => {
    const request = await vaultedChargeRequest(vault, { number: '4242424242424242' });
    const result = await stripe.charge(request);

    expect(result).toEqual({ outcome: 'approved', reference: expect.stringMatching(/^pi_/) });
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /v1/payment_methods', 'POST /v1/payment_intents']);
    const [pm, pi] = fake.requests;
    expect(pm!.form).toEqual({ type: 'card', 'card[number]': '4242424242424242', 'card[exp_month]': '12', 'card[exp_year]': '2030', 'card[cvc]': '123' });
    expect(pm!.headers['idempotency-key']).toBe(`${request.idempotencyKey}-pm`);
    expect(pi!.form).toEqual({
      amount: '1234',
      currency: 'usd',
      payment_method: expect.stringMatching(/^pm_/),
      'allowed_payment_method_types[0]': 'card',
      confirm: 'true',
      description: 'Invoice 1042',
      statement_descriptor_suffix: 'PHONE PAY',
      'metadata[payment_id]': request.paymentId,
      'metadata[charge_key]': request.idempotencyKey,
      'metadata[call_sid]': request.callSid,
    });
    expect(pi!.headers['idempotency-key']).toBe(request.idempotencyKey);
    expect(pi!.headers.authorization).toBe(`Bearer ${FAKE_STRIPE_KEY}`);
  });

  it('sends card data only in the PaymentMethod request: not in the PaymentIntent, a header or a URL', async () => {
    const number = '5555555555554444';
    await stripe.charge(await vaultedChargeRequest(vault, { number, securityCode: '987', expiry: '0731' }));
    const [pm, ...others] = fake.requests;
    expect(pm!.raw).toContain(number);
    for (const request of others) {
      // Ids are random hex and may hold "987" by chance: they are taken out before the search.
      const everything = `${request.path} ${JSON.stringify(request.headers)} ${request.raw}`.replace(/\b(?:pay|pm|pi)_[0-9a-z]+/g, '<id>');
      for (const value of [number, '987', '0731', number.slice(0, 6)]) expect(everything).not.toContain(value);
    }
    expect(JSON.stringify(pm!.headers)).not.toContain(number);
    expect(pm!.path).toBe('/v1/payment_methods');
  });

  it.each(DECLINED.map((c) => [c.outcome, c.number] as const))(
    "maps Stripe's 402 card_error for %s (%s) to the contract's decline code",
    async (code, number) => {
      const result = await stripe.charge(await vaultedChargeRequest(vault, { number }));
      expect(result).toEqual({ outcome: 'declined', code, message: expect.any(String) });
      if (result.outcome === 'declined') for (const value of CARD_VALUES(number)) expect(result.message).not.toContain(value);
    },
  );

  it('replays the first answer when the same attempt is charged again: one PaymentIntent, never two charges', async () => {
    const before = fake.intents.size;
    const first = await vaultedChargeRequest(vault, { number: '4242424242424242' });
    const a = await stripe.charge(first);
    // A retry of the attempt (another process, after a crash) gets a fresh token for the same card.
    const retry = await vaultedChargeRequest(vault, { number: '4242424242424242' }, { paymentId: first.paymentId, idempotencyKey: first.idempotencyKey });
    const b = await stripe.charge(retry);
    expect(b).toEqual(a);
    expect(fake.intents.size - before).toBe(1);
    expect(fake.requests.filter((r) => r.path === '/v1/payment_intents')).toHaveLength(2);
  });

  it('retries a 500 with the same idempotency key and then succeeds', async () => {
    fake.failNext(1);
    const request = await vaultedChargeRequest(vault, { number: '4242424242424242' });
    expect((await stripe.charge(request)).outcome).toBe('approved');
    const pmCalls = fake.requests.filter((r) => r.path === '/v1/payment_methods');
    expect(pmCalls).toHaveLength(2);
    expect(new Set(pmCalls.map((r) => r.headers['idempotency-key']))).toEqual(new Set([`${request.idempotencyKey}-pm`]));
  });

  it('reports a card that needs 3-D Secure as a decline a caller can understand, and cancels the PaymentIntent', async () => {
    const result = await stripe.charge(await vaultedChargeRequest(vault, { number: THREE_D_SECURE_CARD }));
    expect(result).toEqual({ outcome: 'declined', code: 'card_declined', message: expect.stringContaining('3-D Secure') });
    expect(fake.requests.at(-1)!.path).toMatch(/^\/v1\/payment_intents\/pi_\w+\/cancel$/);
    expect([...fake.intents.values()].at(-1)!.status).toBe('canceled');
  });

  it('answers processing_error, without calling Stripe, when the token was already spent', async () => {
    const request = await vaultedChargeRequest(vault, { number: '4242424242424242' });
    await vault.redeem(request.token);
    expect(await stripe.charge(request)).toMatchObject({ outcome: 'declined', code: 'processing_error' });
    expect(fake.requests).toHaveLength(0);
  });

  it('answers processing_error when Stripe refuses the key', async () => {
    const wrongKey = new StripeProcessor(vault, { secretKey: 'sk_test_wrongKey0123456789', statementDescriptor: null, apiUrl: fake.url, maxNetworkRetries: 0 });
    expect(await wrongKey.charge(await vaultedChargeRequest(vault, { number: '4242424242424242' }))).toMatchObject({ outcome: 'declined', code: 'processing_error' });
  });

  describe('a charge whose answer is lost is not a decline', () => {
    const impatient = () => new StripeProcessor(vault, { secretKey: FAKE_STRIPE_KEY, statementDescriptor: null, apiUrl: fake.url, timeoutMs: 500, maxNetworkRetries: 1 });

    it('a PaymentIntent whose every answer timed out throws ChargeAnswerLostError (no card data), and the look-up finds it approved', async () => {
      const request = await vaultedChargeRequest(vault, { number: '4242424242424242' });
      fake.loseAnswers('/v1/payment_intents', 2);
      const lost = impatient().charge(request);
      await expect(lost).rejects.toBeInstanceOf(ChargeAnswerLostError);
      await expect(lost).rejects.toThrow('StripeConnectionError');
      await expect(lost).rejects.not.toThrow('4242');
      // Both tries carried the one key: Stripe made one PaymentIntent, and took the money.
      const [intentId, intent] = [...fake.intents.entries()].at(-1)!;
      expect(intent.status).toBe('succeeded');
      expect(await stripe.lookUp({ paymentId: request.paymentId, idempotencyKey: request.idempotencyKey })).toEqual({ outcome: 'approved', reference: intentId });
    });

    it('a 5xx to the PaymentIntent of a saved card throws; a 4xx refusal stays a decline', async () => {
      fake.failNext(1);
      const flaky = new StripeProcessor(vault, { secretKey: FAKE_STRIPE_KEY, statementDescriptor: null, apiUrl: fake.url, maxNetworkRetries: 0 });
      const saved = { paymentMethod: 'pm_any', customer: null, amount: '5.00', currency: 'USD' };
      await expect(flaky.chargeSaved({ ...saved, paymentId: 'pay_offsession1', idempotencyKey: 'pay_offsession1-charge-0' })).rejects.toThrow('StripeAPIError');
      const wrongKey = new StripeProcessor(vault, { secretKey: 'sk_test_wrongKey0123456789', statementDescriptor: null, apiUrl: fake.url, maxNetworkRetries: 0 });
      expect(await wrongKey.chargeSaved({ ...saved, paymentId: 'pay_offsession2', idempotencyKey: 'pay_offsession2-charge-0' })).toMatchObject({ outcome: 'declined', code: 'processing_error' });
    });

    it('a 5xx before any PaymentIntent (the PaymentMethod request) is a decline: nothing can have been charged', async () => {
      fake.failNext(1);
      const flaky = new StripeProcessor(vault, { secretKey: FAKE_STRIPE_KEY, statementDescriptor: null, apiUrl: fake.url, maxNetworkRetries: 0 });
      const before = fake.intents.size;
      expect(await flaky.charge(await vaultedChargeRequest(vault, { number: '4242424242424242' }))).toMatchObject({ outcome: 'declined', code: 'processing_error' });
      expect(fake.intents.size).toBe(before);
    });
  });

  describe('looking a charge up after its answer was lost', () => {
    it('finds the approved PaymentIntent of the attempt by its metadata, sending no card data', async () => {
      const request = await vaultedChargeRequest(vault, { number: '4242424242424242' });
      const charged = await stripe.charge(request);
      // A second attempt of the same payment is another PaymentIntent with the same payment_id.
      await stripe.charge(await vaultedChargeRequest(vault, { number: '4000000000009995' }, { paymentId: request.paymentId, idempotencyKey: `${request.paymentId}-charge-1` }));
      fake.requests.length = 0;

      expect(await stripe.lookUp({ paymentId: request.paymentId, idempotencyKey: request.idempotencyKey })).toEqual(charged);
      const search = fake.requests.at(-1)!;
      expect(search.method).toBe('GET');
      expect(search.path).toBe('/v1/payment_intents/search');
      expect(decodeURIComponent(JSON.stringify(search.headers)) + search.raw).not.toContain('4242424242424242');
    });

    it("reads a declined attempt's reason from the PaymentIntent's last payment error", async () => {
      const request = await vaultedChargeRequest(vault, { number: '4000000000009995' });
      expect(await stripe.charge(request)).toMatchObject({ outcome: 'declined', code: 'insufficient_funds' });
      expect(await stripe.lookUp({ paymentId: request.paymentId, idempotencyKey: request.idempotencyKey })).toEqual({
        outcome: 'declined',
        code: 'insufficient_funds',
        message: expect.any(String),
      });
    });

    describe('an approval whose billing postal code failed the address check', () => {
      /** A charge Stripe approves with a failing postal check, whose answer never comes back to the adapter. */
      async function chargeWithLostAnswer(overrides: Partial<Parameters<typeof vaultedChargeRequest>[2]> = {}) {
        const request = await vaultedChargeRequest(vault, { number: '4242424242424242', postalCode: cards.postalCodes.fails }, overrides);
        const impatient = new StripeProcessor(vault, { secretKey: FAKE_STRIPE_KEY, statementDescriptor: null, apiUrl: fake.url, timeoutMs: 1000, maxNetworkRetries: 0 });
        fake.loseAnswers('/v1/payment_intents', 1);
        await expect(impatient.charge(request)).rejects.toBeInstanceOf(ChargeAnswerLostError);
        const [intentId, intent] = [...fake.intents.entries()].at(-1)!;
        fake.requests.length = 0;
        return { request, intentId, intent };
      }

      it('is refunded in full and declined incorrect_zip by the look-up, under the key the charge path uses, once however often it is asked', async () => {
        const { request, intentId, intent } = await chargeWithLostAnswer();
        expect(intent).toMatchObject({ amount: 1234, status: 'succeeded' });

        const ask = { paymentId: request.paymentId, idempotencyKey: request.idempotencyKey };
        expect(await stripe.lookUp(ask)).toEqual({ outcome: 'declined', code: 'incorrect_zip', message: expect.any(String) });
        expect(await stripe.lookUp(ask)).toMatchObject({ outcome: 'declined', code: 'incorrect_zip' });
        const refundRequests = fake.requests.filter((r) => r.path === '/v1/refunds');
        expect(refundRequests.map((r) => r.headers['idempotency-key'])).toEqual([`${request.idempotencyKey}-zip-refund`, `${request.idempotencyKey}-zip-refund`]);
        expect(refundRequests[0]!.form).toEqual({ payment_intent: intentId, 'metadata[payment_id]': request.paymentId, 'metadata[reason]': 'postal_code_check_failed' });
        // The second was Stripe's replay: the money went back once, in full.
        expect([...fake.refunds.values()].filter((r) => r.payment_intent === intentId)).toEqual([{ amount: 1234, payment_intent: intentId }]);
      });

      it('releases a manual-capture hold by canceling it, and a later look-up still answers incorrect_zip', async () => {
        const { request, intentId, intent } = await chargeWithLostAnswer({ capture: 'manual' });
        expect(intent).toMatchObject({ status: 'requires_capture' });

        const ask = { paymentId: request.paymentId, idempotencyKey: request.idempotencyKey };
        expect(await stripe.lookUp(ask)).toMatchObject({ outcome: 'declined', code: 'incorrect_zip' });
        expect(fake.intents.get(intentId)).toMatchObject({ status: 'canceled' });
        const cancels = fake.requests.filter((r) => r.path === `/v1/payment_intents/${intentId}/cancel`);
        expect(cancels.map((r) => r.headers['idempotency-key'])).toEqual([`${request.idempotencyKey}-zip-cancel`]);
        expect(await stripe.lookUp(ask)).toMatchObject({ outcome: 'declined', code: 'incorrect_zip' });
        // A held amount is released, never refunded.
        expect([...fake.refunds.values()].filter((r) => r.payment_intent === intentId)).toEqual([]);
      });

      it('is reversed once when the charge answered first and the look-up asks after it', async () => {
        const request = await vaultedChargeRequest(vault, { number: '4242424242424242', postalCode: cards.postalCodes.fails });
        expect(await stripe.charge(request)).toMatchObject({ outcome: 'declined', code: 'incorrect_zip' });
        expect(await stripe.lookUp({ paymentId: request.paymentId, idempotencyKey: request.idempotencyKey })).toMatchObject({ outcome: 'declined', code: 'incorrect_zip' });
        const intentId = fake.requests.find((r) => r.path === '/v1/refunds')!.form.payment_intent!;
        expect([...fake.refunds.values()].filter((r) => r.payment_intent === intentId)).toEqual([{ amount: 1234, payment_intent: intentId }]);
      });
    });

    it('answers unknown for an attempt Stripe has no PaymentIntent for, and when Stripe cannot be reached', async () => {
      expect(await stripe.lookUp({ paymentId: 'pay_neverCharged', idempotencyKey: 'pay_neverCharged-charge-1' })).toEqual({ outcome: 'unknown' });
      fake.failNext(5);
      const flaky = new StripeProcessor(vault, { secretKey: FAKE_STRIPE_KEY, statementDescriptor: null, apiUrl: fake.url, maxNetworkRetries: 0 });
      expect(await flaky.lookUp({ paymentId: 'pay_any', idempotencyKey: 'pay_any-charge-1' })).toEqual({ outcome: 'unknown' });
      fake.failNext(0);
    });
  });

  it('refunds part of a PaymentIntent through the Refund API under the refund idempotency key', async () => {
    const charged = await stripe.charge(await vaultedChargeRequest(vault, { number: '4242424242424242' }));
    if (charged.outcome !== 'approved') throw new Error('not approved');
    const result = await stripe.refund({ paymentId: 'pay_x', paymentReference: charged.reference, amount: '5.00', currency: 'USD', idempotencyKey: 'pay_x-re_1' });
    expect(result).toEqual({ outcome: 'approved', reference: expect.stringMatching(/^re_/), status: 'succeeded' });
    const refund = fake.requests.at(-1)!;
    expect(refund.path).toBe('/v1/refunds');
    expect(refund.form).toEqual({ payment_intent: charged.reference, amount: '500', 'metadata[payment_id]': 'pay_x' });
    expect(refund.headers['idempotency-key']).toBe('pay_x-re_1');
    const tooMuch = await stripe.refund({ paymentId: 'pay_x', paymentReference: charged.reference, amount: '12.34', currency: 'USD', idempotencyKey: 'pay_x-re_2' });
    expect(tooMuch).toMatchObject({ outcome: 'failed', code: 'refund_failed' });
  });
});
