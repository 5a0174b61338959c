import { HttpsConnector } from '../../../src/adapters/processors/httpsConnector';
import { StripeProcessor } from '../../../src/adapters/processors/stripeProcessor';
import { PendingCharges } from '../../../src/core/capture/pendingCharges';
import { CONNECTOR_SECRET, startConnectorReceiver, type ConnectorReceiver } from '../../support/connectorReceiver';
import { eventually } from '../../support/eventually';
import { FAKE_STRIPE_KEY, type FakeStripe } from '../../support/fakeStripe';
import { startTestGateway, type TestCall, type TestGateway } from '../../support/harness';
import { leaksIn } from '../../support/leakScan';
import { ManualClock } from '../../support/payLinks';
import { enterCard, enterPayCode, spokenReference } from '../../support/voiceCalls';
import { useStripeGateway } from '../../support/processorGateway';

const VISA = '4242424242424242';
/** The gateway's default hold limit for a charge without an answer. */
const HOLD_LIMIT_SECONDS = 45;
/** Past the first look-up of an off-session charge (after the processor client's own retries). */
const OFF_SESSION_LOOK_UP_SECONDS = 121;

/**
 * A phone charge whose answer the processor client gave up on (time-outs, 502s): the attempt has
 * ended, in this process, once the gateway logged what it made of it.
 */
async function chargeUntilGivenUp(tg: TestGateway, loseAnswers: () => void): Promise<{ id: string; call: TestCall }> {
  const payment = await tg.createPayment();
  const call = tg.call();
  await enterPayCode(call, payment.payCode);
  await enterCard(call, VISA, 'visa');
  loseAnswers();
  await call.press('1');
  expect(call.saysText()).toContain('Please hold');
  await eventually(
    () => tg.logLines.some((line) => line.includes(payment.id) && /charge failed before an answer|processor answered/.test(line)),
    10_000,
    'the processor client to give up on the charge',
  );
  return { id: payment.id, call };
}

describe('a Stripe charge whose answer is lost (the client timed out) is looked up, never failed', () => {
  const clock = new ManualClock();
  let fake: FakeStripe;
  let tg: TestGateway;
  const ledger = () => new PendingCharges(tg.gateway.store).list();

  useStripeGateway(
    'redis',
    (server) => ({
      clock,
      env: { PROCESSOR_TIMEOUT_MS: '200', RECONCILE_INTERVAL_MS: '100' },
      // The client's time-out, short so that it gives up within the test: each of its two tries times out.
      processor: ({ vault }) => new StripeProcessor(vault, { secretKey: FAKE_STRIPE_KEY, statementDescriptor: null, apiUrl: server.url, timeoutMs: 300, maxNetworkRetries: 1 }),
    }),
    (opened) => ({ fake, tg } = opened),
  );

  it('a phone charge stays processing, and the caller still holding hears the approval the look-up finds; charged once', async () => {
    const { id, call } = await chargeUntilGivenUp(tg, () => fake.loseAnswers('/v1/payment_intents', 2));
    expect(await tg.getPayment(id)).toMatchObject({ status: 'processing', failure: null });
    expect((await ledger()).map((e) => e.paymentId)).toContain(id);

    // The caller's next redirect finds the security code gone: Stripe is asked, by the attempt's key, never charged again.
    await call.followRedirect();
    const view = await tg.getPayment(id);
    expect(view).toMatchObject({ status: 'succeeded', processorReference: [...fake.intents.keys()].at(-1) });
    expect(call.saysText()).toContain(`Payment approved. Your reference number is ${spokenReference(view.reference)}`);
    const creates = fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/payment_intents' && r.form['metadata[payment_id]'] === id);
    expect(creates).toHaveLength(2);
    expect(new Set(creates.map((r) => r.headers['idempotency-key'])).size).toBe(1);
    expect((await ledger()).map((e) => e.paymentId)).not.toContain(id);
  });

  it('a caller who hung up: the payment stays processing, then succeeds once the reconciler finds the intent', async () => {
    const { id, call } = await chargeUntilGivenUp(tg, () => fake.loseAnswers('/v1/payment_intents', 2));
    expect(await call.hangUp()).toBe(204);
    expect(await tg.getPayment(id)).toMatchObject({ status: 'processing', failure: null });
    clock.advance(HOLD_LIMIT_SECONDS);
    const view = await eventually(async () => {
      const p = await tg.getPayment(id);
      return p.status === 'succeeded' && p;
    }, 10_000, 'the reconciler to find the charge');
    expect(view.processorReference).toBe([...fake.intents.keys()].at(-1));
    expect((await ledger()).map((e) => e.paymentId)).not.toContain(id);
  });

  it('an off-session charge of a saved card answers processing, and succeeds once the reconciler finds the intent', async () => {
    // A card saved on a call first.
    const save = await tg.createPayment({ intent: 'save_card', amount: undefined, currency: undefined });
    const call = tg.call();
    await enterPayCode(call, save.payCode);
    for (const keys of [`${VISA}#`, '1230', '123', '1']) await call.press(keys);
    for (let i = 0; i < 20 && !call.saysText().includes('Your card has been saved'); i += 1) await call.followRedirect();
    const saved = await tg.getPayment(save.id);
    expect(saved.paymentMethod).toEqual(expect.any(String));

    fake.loseAnswers('/v1/payment_intents', 2);
    const charged = await tg.api('POST', '/api/payments', { amount: '3.00', currency: 'USD', paymentMethod: saved.paymentMethod });
    expect(charged.status).toBe(201);
    expect(charged.body).toMatchObject({ status: 'processing', failure: null });
    const id = charged.body.id as string;
    expect((await ledger()).map((e) => e.paymentId)).toContain(id);

    clock.advance(OFF_SESSION_LOOK_UP_SECONDS);
    const view = await eventually(async () => {
      const p = await tg.getPayment(id);
      return p.status === 'succeeded' && p;
    }, 10_000, 'the reconciler to find the off-session charge');
    expect(view.processorReference).toMatch(/^pi_/);
    expect(fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/payment_intents' && r.form['metadata[payment_id]'] === id)).toHaveLength(2);
    expect((await ledger()).map((e) => e.paymentId)).not.toContain(id);
  });

  it('leaks no card data into answers or logs', () => {
    expect(leaksIn(tg.responses.join('\n') + tg.logLines.join('\n'), [VISA])).toEqual([]);
  });
});

describe('a connector charge whose answers are lost (502 on every try) is looked up, never failed', () => {
  const clock = new ManualClock();
  let receiver: ConnectorReceiver;
  let tg: TestGateway;

  beforeAll(async () => {
    receiver = await startConnectorReceiver();
    tg = await startTestGateway('redis', {
      clock,
      env: { PROCESSOR_TIMEOUT_MS: '200', RECONCILE_INTERVAL_MS: '100' },
      processor: ({ vault }) => new HttpsConnector(vault, { url: receiver.url, secret: CONNECTOR_SECRET, timeoutMs: 2000, backoffMs: 10 }),
    });
  }, 60_000);
  afterAll(async () => {
    await tg?.close();
    await receiver?.close();
  });

  it('a phone charge the receiver made stays processing, then succeeds with its reference once looked up; charged once', async () => {
    const { id } = await chargeUntilGivenUp(tg, () => receiver.loseAnswers(3));
    expect(await tg.getPayment(id)).toMatchObject({ status: 'processing', failure: null });
    const key = String(receiver.received.find((r) => r.body.type === 'charge' && r.body.payment.id === id)!.body.idempotencyKey);
    expect(receiver.charged.has(key)).toBe(true);

    clock.advance(HOLD_LIMIT_SECONDS);
    const view = await eventually(async () => {
      const p = await tg.getPayment(id);
      return p.status === 'succeeded' && p;
    }, 10_000, 'the reconciler to find the charge');
    expect(view.processorReference).toBe(receiver.charged.get(key)!.reference);
    expect(receiver.received.filter((r) => r.body.type === 'charge' && r.body.payment.id === id)).toHaveLength(3);
    expect(receiver.received.some((r) => r.body.type === 'status' && r.body.payment.id === id)).toBe(true);
  });
});
