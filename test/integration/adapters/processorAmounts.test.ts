import { randomBytes } from 'node:crypto';
import type { StripeProcessor } from '../../../src/adapters/processors/stripeProcessor';
import { SandboxProcessor } from '../../../src/adapters/processors/sandboxProcessor';
import { MemoryStore } from '../../../src/adapters/store/memoryStore';
import { AesGcmVault } from '../../../src/adapters/vault/aesGcmVault';
import type { FakeStripe } from '../../support/fakeStripe';
import { STORE_KINDS, type TestGateway } from '../../support/harness';
import { vaultedChargeRequest } from '../../support/vaultedCard';
import { enterCard, enterPayCode } from '../../support/voiceCalls';
import { useStripeGateway } from '../../support/processorGateway';
import { useStripeAdapter } from '../../support/stripeAdapter';

// Every expected integer below is written by hand from docs.stripe.com/currencies (and ISO 4217
// for the sandbox), never computed by the adapters' own tables.

describe('amounts in Stripe units', () => {
  let fake: FakeStripe;
  let vault: AesGcmVault;
  let stripe: StripeProcessor;
  useStripeAdapter(null, (rig) => ({ fake, vault, stripe } = rig));

  it.each([
    ['12.34', 'USD', 1234],
    ['500', 'JPY', 500],
    ['10000', 'HUF', 1000000],
    ['5000', 'ISK', 500000],
    ['1.230', 'KWD', 1230],
    ['1.23', 'KWD', 1230],
    ['150', 'TWD', 15000],
    ['2500', 'UGX', 2500],
    ['999999.99', 'USD', 99999999],
  ])('sends %s %s as amount=%i', async (amount, currency, expected) => {
    expect(stripe.units(amount, currency)).toEqual({ ok: true, value: expected, exponent: expect.any(Number) });
    const result = await stripe.charge(await vaultedChargeRequest(vault, { number: '4242424242424242' }, { amount, currency }));
    expect(result.outcome).toBe('approved');
    const intent = fake.requests.find((r) => r.path === '/v1/payment_intents')!;
    expect(intent.form.amount).toBe(String(expected));
    expect(intent.form.currency).toBe(currency.toLowerCase());
  });

  it.each([
    ['5.124', 'KWD', /third decimal is 0/],
    ['12.5', 'ISK', /whole krónur/],
    ['12.34', 'JPY', /no decimal places/],
    ['1.234', 'USD', /at most 2 decimal places/],
    ['1000000', 'USD', /more than Stripe takes/],
    ['1.000', 'IQD', /does not take IQD/],
    ['1.00', 'XDR', /not a currency payments are taken in/],
  ])('refuses %s %s without rounding it, and sends Stripe nothing', async (amount, currency, reason) => {
    const units = stripe.units(amount, currency);
    expect(units).toEqual({ ok: false, message: expect.stringMatching(reason) });
    const request = await vaultedChargeRequest(vault, { number: '4242424242424242' }, { amount, currency });
    expect(await stripe.charge(request)).toMatchObject({ outcome: 'declined', code: 'processing_error' });
    expect(fake.requests).toHaveLength(0);
    // The card never left the vault for an amount that could not be sent.
    await expect(vault.redeem(request.token)).resolves.toMatchObject({ number: '4242424242424242' });
  });

  it('refunds in the same units: 2500 HUF is amount=250000, and 0.005 KWD is refused', async () => {
    const charged = await stripe.charge(await vaultedChargeRequest(vault, { number: '4242424242424242' }, { amount: '10000', currency: 'HUF' }));
    if (charged.outcome !== 'approved') throw new Error('not approved');
    const refund = await stripe.refund({ paymentId: 'pay_h', paymentReference: charged.reference, amount: '2500', currency: 'HUF', idempotencyKey: 'pay_h-re_1' });
    expect(refund).toMatchObject({ outcome: 'approved' });
    expect(fake.requests.at(-1)!.form.amount).toBe('250000');
    const before = fake.requests.length;
    const odd = await stripe.refund({ paymentId: 'pay_k', paymentReference: charged.reference, amount: '0.005', currency: 'KWD', idempotencyKey: 'pay_k-re_1' });
    expect(odd).toMatchObject({ outcome: 'failed', code: 'invalid_amount' });
    expect(fake.requests).toHaveLength(before);
  });
});

describe('amounts in the sandbox: ISO 4217 minor units', () => {
  const sandbox = new SandboxProcessor(new AesGcmVault(new MemoryStore(), randomBytes(32)), new MemoryStore());

  it.each([
    ['12.34', 'USD', 1234, 2],
    ['500', 'JPY', 500, 0],
    ['10000', 'HUF', 1000000, 2],
    ['5000', 'ISK', 5000, 0],
    ['5.124', 'KWD', 5124, 3],
  ])('expresses %s %s as %i with exponent %i', (amount, currency, value, exponent) => {
    expect(sandbox.units(amount, currency)).toEqual({ ok: true, value, exponent });
  });

  it.each([['12.5', 'ISK'], ['1.00', 'XSU'], ['1.00', 'HRK']])('refuses %s %s', (amount, currency) => {
    expect(sandbox.units(amount, currency).ok).toBe(false);
  });
});

describe.each(STORE_KINDS)('payments with PROCESSOR=stripe take only what Stripe can charge (%s store)', (kind) => {
  let fake: FakeStripe;
  let tg: TestGateway;
  useStripeGateway(kind, {}, (opened) => ({ fake, tg } = opened));

  it.each([
    [{ amount: '5.124', currency: 'KWD' }, 'invalid_amount', /^amount: .*third decimal is 0/],
    [{ amount: '12.5', currency: 'ISK' }, 'invalid_amount', /^amount: /],
    [{ amount: '1000000.00', currency: 'USD' }, 'invalid_amount', /^amount: .*more than Stripe takes/],
    [{ amount: '10.00', currency: 'XDR' }, 'invalid_currency', /^currency: XDR is not a currency payments are taken in/],
    [{ amount: '10.00', currency: 'XSU' }, 'invalid_currency', /^currency: /],
    [{ amount: '10.00', currency: 'HRK' }, 'invalid_currency', /^currency: /],
    [{ amount: '10.00', currency: 'CUC' }, 'invalid_currency', /^currency: /],
    [{ amount: '10', currency: 'SLL' }, 'invalid_currency', /^currency: /],
  ])('refuses %j with 400 %s', async (body, code, message) => {
    const res = await tg.api('POST', '/api/payments', body);
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual({ code, message: expect.stringMatching(message) });
  });

  it('charges a phone payment of 10000 HUF as amount=1000000, and refunds 2500 HUF as amount=250000', async () => {
    const payment = await tg.createPayment({ amount: '10000', currency: 'HUF' });
    const call = tg.call();
    await enterPayCode(call, payment.payCode);
    await enterCard(call, '4242424242424242', 'visa');
    await call.press('1');
    const view = await tg.getPayment(payment.id);
    expect(view).toMatchObject({ status: 'succeeded', amount: '10000', currency: 'HUF' });
    const intent = fake.requests.find((r) => r.path === '/v1/payment_intents' && r.form['metadata[payment_id]'] === payment.id)!;
    expect(intent.form).toMatchObject({ amount: '1000000', currency: 'huf' });
    expect(fake.intents.get(view.processorReference)).toMatchObject({ amount: 1000000, currency: 'huf', status: 'succeeded' });

    const refund = await tg.api('POST', `/api/payments/${payment.id}/refunds`, { amount: '2500' });
    expect(refund.status).toBe(201);
    expect([...fake.refunds.values()].find((r) => r.payment_intent === view.processorReference)).toEqual({ amount: 250000, payment_intent: view.processorReference });
  });

  it('refuses a refund Stripe cannot take exactly with 400, before reserving it or asking Stripe', async () => {
    const payment = await tg.createPayment({ amount: '1.230', currency: 'KWD' });
    const call = tg.call();
    await enterPayCode(call, payment.payCode);
    await enterCard(call, '4242424242424242', 'visa');
    await call.press('1');
    expect((await tg.getPayment(payment.id)).status).toBe('succeeded');
    const refunds = fake.refunds.size;
    const res = await tg.api('POST', `/api/payments/${payment.id}/refunds`, { amount: '0.125' });
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual({ code: 'invalid_amount', message: expect.stringMatching(/^amount: .*third decimal is 0/) });
    expect(fake.refunds.size).toBe(refunds);
    expect(await tg.getPayment(payment.id)).toMatchObject({ amountRefunded: '0.000', refunds: [] });
  });
});
