import { PendingCharges } from '../../../src/core/capture/pendingCharges';
import { eventually } from '../../support/eventually';
import type { FakeStripe } from '../../support/fakeStripe';
import { STORE_KINDS, type StoreKind, type TestGateway } from '../../support/harness';
import { bankNumberSecrets, leaksIn } from '../../support/leakScan';
import { ManualClock } from '../../support/payLinks';
import { startMerchantReceiver, type WebhookReceiver } from '../../support/webhookReceiver';
import { useStripeGateway } from '../../support/processorGateway';
import { TEST_ROUTING, bankDebitUpToAuthorization } from '../../support/bankDebitCalls';

const SIGNING_SECRET = 'whsec_testEndpointSecret0123456789abcdef';
const SETTLES = '000123456789';
const CLOSED = '000111111113';

/**
 * A bank debit taken over the phone through Stripe is left `processing`; Stripe's signed webhook, not
 * the reconciler (held off: RECONCILE_INTERVAL_MS far beyond the test), is what settles it days later.
 */
describe.each(STORE_KINDS)('a Stripe bank debit settled by Stripe’s signed webhook (%s store)', (kind: StoreKind) => {
  const clock = new ManualClock(new Date('2026-03-02T15:00:00.000Z'));
  let fake: FakeStripe;
  let tg: TestGateway;
  let receiver: WebhookReceiver;

  useStripeGateway(kind, { clock, env: { STRIPE_WEBHOOK_SECRET: SIGNING_SECRET, RECONCILE_INTERVAL_MS: '600000', WEBHOOK_RETRY_DELAYS: '100ms' } }, (opened) => ({ fake, tg } = opened));
  beforeAll(async () => {
    // Stripe signs on the same (moved) clock the gateway checks the timestamp with.
    fake.events.endpoint(`${tg.gateway.url}/webhooks/stripe`, SIGNING_SECRET, () => clock.now());
    receiver = await startMerchantReceiver(tg);
  });
  afterAll(async () => {
    await receiver?.close();
  });

  const ledger = async () => (await new PendingCharges(tg.gateway.store).list()).map((c) => c.paymentId);
  const merchantEvents = (paymentId: string) => receiver.events().filter((e) => e.data.payment.id === paymentId).map((e) => e.type as string);
  const intentLookUps = (intentId: string) => fake.requests.filter((r) => r.method === 'GET' && r.path === `/v1/payment_intents/${intentId}`).length;

  /** The whole call: routing number, the account twice, checking, the authorisation accepted; the call ends submitted. */
  async function debitByPhone(account: string): Promise<{ paymentId: string; intentId: string }> {
    const { payment, call } = await bankDebitUpToAuthorization(tg, account);
    expect(call.saysText()).toContain('you authorize us to make a one-time electronic debit of');
    await call.press('1');
    expect(call.saysText()).toContain('Your bank payment has been submitted');
    expect(call.hasHangup()).toBe(true);
    const view = await tg.getPayment(payment.id);
    expect(view).toMatchObject({ status: 'processing', method: 'ach', failure: null, bankAccount: { last4: account.slice(-4) } });
    expect(view.processorReference).toMatch(/^pi_/);
    expect(fake.intents.get(view.processorReference)?.status).toBe('processing');
    expect(await ledger()).toContain(payment.id);
    return { paymentId: payment.id, intentId: view.processorReference };
  }

  it('submitted and processing after the call; Stripe’s payment_intent.processing changes nothing; its signed payment_intent.succeeded settles it, once', async () => {
    const { paymentId, intentId } = await debitByPhone(SETTLES);
    const submitted = await tg.getPayment(paymentId);

    const processing = await fake.events.send('payment_intent.processing', intentId);
    expect(processing.status).toBe(200);
    expect(JSON.parse(processing.body).outcome).toBe('unchanged');
    expect((await tg.getPayment(paymentId)).status).toBe('processing');
    expect(await ledger()).toContain(paymentId);

    // Days later the bank settles it; Stripe says so.
    clock.advance(3 * 86_400);
    const asked = intentLookUps(intentId);
    const sent = await fake.events.settle(intentId, 'succeeded');
    expect(sent.status).toBe(200);
    expect(JSON.parse(sent.body)).toEqual({ received: true, outcome: 'settled' });
    // The event was believed only after the intent was read back from Stripe by id.
    expect(intentLookUps(intentId)).toBeGreaterThan(asked);
    expect(await tg.getPayment(paymentId)).toMatchObject({
      status: 'succeeded',
      method: 'ach',
      reference: submitted.reference,
      processorReference: intentId,
      failure: null,
      bankAccount: { last4: '6789' },
    });
    expect(await ledger()).not.toContain(paymentId);

    // Stripe's retry of the same event, and a later one about it, change nothing.
    const replay = await fake.events.resend(sent);
    expect(replay.status).toBe(200);
    expect(JSON.parse(replay.body).outcome).toBe('unchanged');
    expect(JSON.parse((await fake.events.send('payment_intent.succeeded', intentId)).body).outcome).toBe('unchanged');

    await eventually(() => merchantEvents(paymentId).includes('payment.succeeded'), 10_000, 'the merchant’s payment.succeeded');
    expect(merchantEvents(paymentId).filter((t) => t === 'payment.succeeded')).toHaveLength(1);
  });

  it('a debit the bank returns (account 000111111113) fails by Stripe’s payment_intent.payment_failed with the return code account_closed', async () => {
    const { paymentId, intentId } = await debitByPhone(CLOSED);
    // The bank answers: Stripe's test account for a closed account leaves the intent requires_payment_method.
    expect(fake.settleBankDebits()).toBe(1);
    expect(fake.intents.get(intentId)?.status).toBe('requires_payment_method');
    clock.advance(3 * 86_400);
    const sent = await fake.events.send('payment_intent.payment_failed', intentId);
    expect(sent.status).toBe(200);
    expect(JSON.parse(sent.body)).toEqual({ received: true, outcome: 'settled' });
    expect(await tg.getPayment(paymentId)).toMatchObject({ status: 'failed', method: 'ach', failure: { code: 'account_closed' }, bankAccount: { last4: '1113' } });
    expect(await ledger()).not.toContain(paymentId);
    await eventually(() => merchantEvents(paymentId).includes('payment.failed'), 10_000, 'the merchant’s payment.failed');
    expect(merchantEvents(paymentId)).not.toContain('payment.succeeded');
  });

  it('no routing or account number, nor its SHA-256, is in a log line, a response, or an event Stripe sent', () => {
    const secrets = bankNumberSecrets([TEST_ROUTING, SETTLES, CLOSED]);
    for (const text of [...tg.logLines, ...tg.responses, ...fake.events.sent.map((e) => e.body)]) expect(leaksIn(text, secrets)).toEqual([]);
  });
});
