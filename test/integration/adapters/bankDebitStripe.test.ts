import Stripe from 'stripe';
import type { TestGateway } from '../../support/harness';
import { FAKE_STRIPE_KEY, type FakeStripe } from '../../support/fakeStripe';
import { bankNumberSecrets, leaksIn } from '../../support/leakScan';
import { ManualClock } from '../../support/payLinks';
import { useStripeGateway } from '../../support/processorGateway';
import { TEST_ROUTING, bankDebitByPhone } from '../../support/bankDebitCalls';

const ACCOUNT = '000123456789';
const CLOSED = '000111111113';

/** One path through Stripe (the full matrix runs on the sandbox): the call, the mandate, processing, settled. */
describe('bank debits through Stripe (loopback Stripe-shaped server)', () => {
  const clock = new ManualClock(new Date('2026-03-02T15:00:00.000Z'));
  let fake: FakeStripe;
  let tg: TestGateway;
  useStripeGateway('memory', { clock, env: { RECONCILE_INTERVAL_MS: '600000' } }, (opened) => ({ fake, tg } = opened));

  it('makes a us_bank_account PaymentMethod with the holder, a PaymentIntent with an offline mandate and the payment in metadata; processing until Stripe settles it', async () => {
    const payment = await bankDebitByPhone(tg, ACCOUNT);
    const view = await tg.getPayment(payment.id);
    expect(view).toMatchObject({ status: 'processing', bankAccount: { display: 'Bank •••• 6789' } });
    expect(view.processorReference).toMatch(/^pi_/);

    const pm = fake.requests.find((r) => r.path === '/v1/payment_methods' && r.form?.type === 'us_bank_account');
    expect(pm?.form).toMatchObject({
      'us_bank_account[routing_number]': TEST_ROUTING,
      'us_bank_account[account_number]': ACCOUNT,
      'us_bank_account[account_type]': 'checking',
      'billing_details[name]': 'Jenny Rosen',
    });
    const pi = fake.requests.find((r) => r.path === '/v1/payment_intents' && r.form?.['metadata[payment_id]'] === payment.id);
    expect(pi?.form).toMatchObject({
      'allowed_payment_method_types[0]': 'us_bank_account',
      confirm: 'true',
      'mandate_data[customer_acceptance][type]': 'offline',
      'mandate_data[customer_acceptance][accepted_at]': String(Math.floor(Date.parse(view.debitAuthorization.acceptedAt) / 1000)),
      'metadata[charge_key]': `${payment.id}-charge-1`,
    });
    expect(fake.intents.get(view.processorReference)?.status).toBe('processing');

    // Stripe's look-up says nothing while the intent is processing.
    clock.advance(120);
    expect(await tg.gateway.reconciler.sweep()).toBe(0);
    expect((await tg.getPayment(payment.id)).status).toBe('processing');

    expect(fake.settleBankDebits()).toBe(1);
    clock.advance(3600);
    await tg.gateway.reconciler.sweep();
    expect(await tg.getPayment(payment.id)).toMatchObject({ status: 'succeeded', processorReference: view.processorReference });
  });

  it('a debit the bank returns fails with its return code', async () => {
    const payment = await bankDebitByPhone(tg, CLOSED);
    fake.settleBankDebits();
    clock.advance(3600);
    await tg.gateway.reconciler.sweep();
    expect(await tg.getPayment(payment.id)).toMatchObject({ status: 'failed', failure: { code: 'account_closed' } });
  });

  it('the loopback Stripe refuses what Stripe refuses: a bank debit without mandate data, and never succeeds one at once', async () => {
    const stripe = new Stripe(FAKE_STRIPE_KEY, { host: '127.0.0.1', port: Number(new URL(fake.url).port), protocol: 'http', maxNetworkRetries: 0 });
    await expect(stripe.paymentMethods.create({ type: 'us_bank_account', us_bank_account: { routing_number: TEST_ROUTING, account_number: ACCOUNT } })).rejects.toMatchObject({
      param: 'billing_details[name]',
    });
    const method = await stripe.paymentMethods.create({
      type: 'us_bank_account',
      us_bank_account: { routing_number: TEST_ROUTING, account_number: ACCOUNT, account_type: 'checking' },
      billing_details: { name: 'Jenny Rosen' },
    });
    await expect(
      stripe.paymentIntents.create({ amount: 100, currency: 'usd', payment_method: method.id, allowed_payment_method_types: ['us_bank_account'], confirm: true }),
    ).rejects.toMatchObject({ param: 'mandate_data' });
    const intent = await stripe.paymentIntents.create({
      amount: 100,
      currency: 'usd',
      payment_method: method.id,
      allowed_payment_method_types: ['us_bank_account'],
      confirm: true,
      mandate_data: { customer_acceptance: { type: 'offline', offline: {} } },
    });
    expect(intent.status).toBe('processing');
  });

  it('no routing or account number, nor its SHA-256, is in a log line or a response', () => {
    const secrets = bankNumberSecrets([TEST_ROUTING, ACCOUNT, CLOSED]);
    for (const text of [...tg.logLines, ...tg.responses]) expect(leaksIn(text, secrets)).toEqual([]);
  });
});
