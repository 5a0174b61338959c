import { StripeProcessor } from '../../../src/adapters/processors/stripeProcessor';
import { PendingCharges } from '../../../src/core/capture/pendingCharges';
import { eventually } from '../../support/eventually';
import { FAKE_STRIPE_KEY, type FakeStripe } from '../../support/fakeStripe';
import { STORE_KINDS, startTestGateway, type StoreKind, type TestGateway } from '../../support/harness';
import { leaksIn } from '../../support/leakScan';
import { enterCard, enterPayCode, holdPastTheLimit, spokenReference } from '../../support/voiceCalls';
import { startMerchantReceiver, type WebhookReceiver } from '../../support/webhookReceiver';
import { useStripeGateway } from '../../support/processorGateway';
import { RunningClock } from '../../support/runningClock';

const SIGNING_SECRET = 'whsec_testEndpointSecret0123456789abcdef';
const INSUFFICIENT_FUNDS_CARD = '4000000000009995';

describe.each(STORE_KINDS)("Stripe's signed events at POST /webhooks/stripe (%s store)", (kind: StoreKind) => {
  let fake: FakeStripe;
  let tg: TestGateway;
  let receiver: WebhookReceiver;
  const clock = new RunningClock();

  useStripeGateway(
    kind,
    (server) => ({
      clock,
      env: {
        STRIPE_WEBHOOK_SECRET: SIGNING_SECRET,
        PROCESSOR_TIMEOUT_MS: '200',
        // The reconciler never sweeps during a test: only an event can settle a charge here.
        RECONCILE_INTERVAL_MS: '600000',
        WEBHOOK_RETRY_DELAYS: '100ms',
      },
      // A lost answer must stay lost for the test's length: no time-out, no retry of the client's own.
      processor: ({ vault }) => new StripeProcessor(vault, { secretKey: FAKE_STRIPE_KEY, statementDescriptor: null, apiUrl: server.url, timeoutMs: 120_000, maxNetworkRetries: 0 }),
    }),
    (opened) => ({ fake, tg } = opened),
  );
  beforeAll(async () => {
    fake.events.endpoint(`${tg.gateway.url}/webhooks/stripe`, SIGNING_SECRET, () => clock.now());
    receiver = await startMerchantReceiver(tg);
  });
  afterAll(async () => {
    await receiver?.close();
  });

  const ledger = () => new PendingCharges(tg.gateway.store).list();
  const merchantEvents = (paymentId: string) => receiver.events().filter((e) => e.data.payment.id === paymentId).map((e) => e.type as string);
  const lookUps = () => fake.requests.filter((r) => r.path === '/v1/payment_intents/search');
  /** The payment's one PaymentIntent, found as Stripe's own search finds it (the adapter never heard its id). */
  const intentOf = async (paymentId: string): Promise<string> => {
    const query = new URLSearchParams({ query: `metadata['payment_id']:'${paymentId}'` });
    const found = (await (await fetch(`${fake.url}/v1/payment_intents/search?${query}`, { headers: { authorization: `Bearer ${FAKE_STRIPE_KEY}` } })).json()) as { data: Array<{ id: string }> };
    expect(found.data).toHaveLength(1);
    return found.data[0]!.id;
  };

  /** A phone charge whose answer never comes back: the caller holds past the limit and the payment is left `processing`. */
  async function chargeWithLostAnswer(card = '4242424242424242', options: { processing?: boolean } = {}): Promise<{ paymentId: string; intentId: string }> {
    const payment = await tg.createPayment();
    const call = tg.call();
    await enterPayCode(call, payment.payCode);
    await enterCard(call, card, 'visa');
    fake.loseAnswers('/v1/payment_intents', 1);
    if (options.processing) fake.processNext(1);
    await holdPastTheLimit(call, clock);
    expect(call.saysText()).toContain('The result will be confirmed to you later');
    expect(await tg.getPayment(payment.id)).toMatchObject({ status: 'processing' });
    expect((await ledger()).map((e) => e.paymentId)).toContain(payment.id);
    return { paymentId: payment.id, intentId: await intentOf(payment.id) };
  }

  /** A manual-capture payment authorised over the phone. */
  async function authorise(): Promise<{ paymentId: string; intentId: string }> {
    const payment = await tg.createPayment({ capture: 'manual' });
    const call = tg.call();
    await enterPayCode(call, payment.payCode);
    await enterCard(call, '4242424242424242', 'visa');
    await call.press('1');
    // A slow answer (over PROCESSOR_TIMEOUT_MS) puts the caller on hold first: the redirect brings it.
    for (let i = 0; i < 20 && call.redirectUrl() && !call.saysText().includes('Payment authorized'); i += 1) await call.followRedirect();
    const view = await tg.getPayment(payment.id);
    expect(view.status).toBe('authorized');
    return { paymentId: payment.id, intentId: view.processorReference };
  }

  it('a card charge whose answer was lost becomes succeeded by Stripe’s event, before the reconciler asks', async () => {
    const { paymentId, intentId } = await chargeWithLostAnswer();
    const asked = lookUps().length;
    expect(fake.intents.get(intentId)?.status).toBe('succeeded');

    const sent = await fake.events.send('payment_intent.succeeded', intentId);
    expect(sent.status).toBe(200);
    expect(JSON.parse(sent.body)).toEqual({ received: true, outcome: 'settled' });
    expect(await tg.getPayment(paymentId)).toMatchObject({ status: 'succeeded', reference: expect.stringMatching(/^[0-9]{8}$/), processorReference: intentId, failure: null });
    expect((await ledger()).map((e) => e.paymentId)).not.toContain(paymentId);
    // The event was checked against the intent as Stripe holds it, by id; the search index was never asked.
    expect(fake.requests.some((r) => r.method === 'GET' && r.path === `/v1/payment_intents/${intentId}`)).toBe(true);
    expect(lookUps().length).toBe(asked);
    // The merchant hears of it as of any other change.
    await eventually(() => merchantEvents(paymentId).includes('payment.succeeded'), 10_000, 'the merchant’s payment.succeeded');
  });

  it('a caller still holding for a lost answer hears the approval Stripe’s event brought, at the next redirect', async () => {
    const payment = await tg.createPayment();
    const call = tg.call();
    await enterPayCode(call, payment.payCode);
    await enterCard(call, '4242424242424242', 'visa');
    fake.loseAnswers('/v1/payment_intents', 1);
    await call.press('1');
    await call.followRedirect();
    expect(call.saysText()).toContain('still being processed');
    const intentId = await intentOf(payment.id);

    expect(JSON.parse((await fake.events.send('payment_intent.succeeded', intentId)).body).outcome).toBe('settled');
    await call.followRedirect();
    const view = await tg.getPayment(payment.id);
    expect(view).toMatchObject({ status: 'succeeded', processorReference: intentId });
    expect(call.saysText()).toContain(`Payment approved. Your reference number is ${spokenReference(view.reference)}`);
    expect((await ledger()).map((e) => e.paymentId)).not.toContain(payment.id);
  });

  it('a declined charge whose answer was lost becomes failed with the decline’s code', async () => {
    const { paymentId, intentId } = await chargeWithLostAnswer(INSUFFICIENT_FUNDS_CARD);
    expect(fake.intents.get(intentId)?.status).toBe('requires_payment_method');

    const sent = await fake.events.send('payment_intent.payment_failed', intentId);
    expect(sent.status).toBe(200);
    expect(await tg.getPayment(paymentId)).toMatchObject({ status: 'failed', failure: { code: 'insufficient_funds', message: expect.any(String) } });
    expect((await ledger()).map((e) => e.paymentId)).not.toContain(paymentId);
  });

  it('a processing intent stays processing on payment_intent.processing, then follows Stripe’s decision either way', async () => {
    const won = await chargeWithLostAnswer('4242424242424242', { processing: true });
    expect(fake.intents.get(won.intentId)?.status).toBe('processing');
    const processing = await fake.events.send('payment_intent.processing', won.intentId);
    expect(processing.status).toBe(200);
    expect(JSON.parse(processing.body).outcome).toBe('unchanged');
    expect((await tg.getPayment(won.paymentId)).status).toBe('processing');
    expect((await ledger()).map((e) => e.paymentId)).toContain(won.paymentId);

    expect((await fake.events.settle(won.intentId, 'succeeded')).status).toBe(200);
    expect(await tg.getPayment(won.paymentId)).toMatchObject({ status: 'succeeded', processorReference: won.intentId });

    const lost = await chargeWithLostAnswer('4242424242424242', { processing: true });
    expect((await fake.events.settle(lost.intentId, 'failed')).status).toBe(200);
    expect(await tg.getPayment(lost.paymentId)).toMatchObject({ status: 'failed', failure: { code: 'insufficient_funds' } });
  });

  it('an authorisation Stripe lets expire becomes canceled, and can no longer be captured', async () => {
    const { paymentId, intentId } = await authorise();
    const sent = await fake.events.expireAuthorization(intentId);
    expect(sent.status).toBe(200);
    expect(JSON.parse(sent.body).outcome).toBe('changed');
    expect(await tg.getPayment(paymentId)).toMatchObject({ status: 'canceled' });
    await eventually(() => merchantEvents(paymentId).includes('payment.canceled'), 10_000, 'the merchant’s payment.canceled');
    const capture = await tg.api('POST', `/api/payments/${paymentId}/capture`);
    expect(capture.status).toBe(409);
    expect(capture.body.error.code).toBe('payment_not_capturable');
  });

  it('an authorisation captured in Stripe’s dashboard is recorded as captured, for what was taken', async () => {
    const { paymentId, intentId } = await authorise();
    // Captured by someone else, straight at Stripe (the dashboard): 10.00 of the 12.34 held.
    const captured = await fetch(`${fake.url}/v1/payment_intents/${intentId}/capture`, {
      method: 'POST',
      headers: { authorization: `Bearer ${FAKE_STRIPE_KEY}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'amount_to_capture=1000',
    });
    expect(captured.status).toBe(200);
    expect((await fake.events.send('payment_intent.succeeded', intentId)).status).toBe(200);
    expect(await tg.getPayment(paymentId)).toMatchObject({ status: 'succeeded', amountCaptured: '10.00' });
  });

  describe('refused deliveries change nothing', () => {
    it('a wrong secret, no signature, a body changed after signing, or a timestamp older than 5 minutes: 400, logged without the body', async () => {
      const { paymentId, intentId } = await chargeWithLostAnswer();
      const logStart = tg.logLines.length;
      const now = Math.floor(clock.now().getTime() / 1000);
      const refused = [
        await fake.events.send('payment_intent.succeeded', intentId, { secret: 'whsec_someoneElsesSecret0123456789' }),
        await fake.events.send('payment_intent.succeeded', intentId, { signature: null }),
        await fake.events.send('payment_intent.succeeded', intentId, { signature: 'garbage' }),
        await fake.events.send('payment_intent.succeeded', intentId, { tamper: (body) => body.replace('"livemode": false', '"livemode": true') }),
        await fake.events.send('payment_intent.succeeded', intentId, { timestamp: now - 301 }),
      ];
      expect(refused.map((r) => r.status)).toEqual([400, 400, 400, 400, 400]);
      for (const r of refused) expect(JSON.parse(r.body).error.code).toBe('invalid_signature');
      expect(await tg.getPayment(paymentId)).toMatchObject({ status: 'processing' });
      expect((await ledger()).map((e) => e.paymentId)).toContain(paymentId);
      const logged = tg.logLines.slice(logStart).join('\n');
      expect(logged).toContain('processor event refused');
      expect(logged).not.toContain(intentId);
      expect(logged).not.toContain(paymentId);

      // Within the tolerance, measured on the gateway's clock: taken.
      expect((await fake.events.send('payment_intent.succeeded', intentId, { timestamp: now - 240 })).status).toBe(200);
      expect((await tg.getPayment(paymentId)).status).toBe('succeeded');
    });
  });

  it('a replayed event, or a new one about a payment already final, answers 200 and changes nothing', async () => {
    const { paymentId, intentId } = await chargeWithLostAnswer();
    const first = await fake.events.send('payment_intent.succeeded', intentId);
    expect(JSON.parse(first.body).outcome).toBe('settled');
    const settled = await tg.getPayment(paymentId);
    clock.advance(1000);

    const replay = await fake.events.resend(first);
    expect(replay.status).toBe(200);
    expect(JSON.parse(replay.body).outcome).toBe('unchanged');
    const another = await fake.events.send('payment_intent.succeeded', intentId);
    expect(another.status).toBe(200);
    expect(JSON.parse(another.body).outcome).toBe('unchanged');
    expect(await tg.getPayment(paymentId)).toEqual(settled);
    await eventually(() => merchantEvents(paymentId).includes('payment.succeeded'), 10_000, 'the merchant’s payment.succeeded');
    expect(merchantEvents(paymentId).filter((t) => t === 'payment.succeeded')).toHaveLength(1);
  });

  it('an event Stripe cannot be asked to confirm answers 503 and changes nothing; Stripe’s retry of it then settles the charge', async () => {
    const { paymentId, intentId } = await chargeWithLostAnswer();
    fake.failNext(1);
    const first = await fake.events.send('payment_intent.succeeded', intentId);
    expect(first.status).toBe(503);
    expect(JSON.parse(first.body).error.code).toBe('processor_unavailable');
    expect((await tg.getPayment(paymentId)).status).toBe('processing');

    const retried = await fake.events.resend(first);
    expect(retried.status).toBe(200);
    expect(JSON.parse(retried.body).outcome).toBe('settled');
    expect((await tg.getPayment(paymentId)).status).toBe('succeeded');
  });

  it('parallel deliveries of one event settle the charge once', async () => {
    const { paymentId, intentId } = await chargeWithLostAnswer();
    const timestamp = Math.floor(clock.now().getTime() / 1000);
    const deliveries = await Promise.all(Array.from({ length: 6 }, () => fake.events.send('payment_intent.succeeded', intentId, { id: `evt_parallel_${paymentId}`, timestamp })));
    expect(deliveries.map((d) => d.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect((await tg.getPayment(paymentId)).status).toBe('succeeded');
    await eventually(() => merchantEvents(paymentId).includes('payment.succeeded'), 10_000, 'the merchant’s payment.succeeded');
    expect(merchantEvents(paymentId).filter((t) => t === 'payment.succeeded')).toHaveLength(1);
  });

  it('events about unknown payments, intents the gateway did not make, and types it does not act on: 200, logged at debug', async () => {
    // An intent made at Stripe by someone else, naming a payment this gateway never had.
    const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
    const headers = { authorization: `Bearer ${FAKE_STRIPE_KEY}`, 'content-type': 'application/x-www-form-urlencoded' };
    const pm = (await (await fetch(`${fake.url}/v1/payment_methods`, { method: 'POST', headers, body: form({ type: 'card', 'card[number]': '4242424242424242', 'card[exp_month]': '12', 'card[exp_year]': '2030' }) })).json()) as { id: string };
    const makeIntent = async (metadata: Record<string, string>) =>
      ((await (await fetch(`${fake.url}/v1/payment_intents`, { method: 'POST', headers, body: form({ amount: '500', currency: 'usd', payment_method: pm.id, confirm: 'true', ...Object.fromEntries(Object.entries(metadata).map(([k, v]) => [`metadata[${k}]`, v])) }) })).json()) as { id: string }).id;
    const unknown = await makeIntent({ payment_id: 'pay_neverHeardOf', charge_key: 'pay_neverHeardOf-charge-1' });
    const foreign = await makeIntent({ order: '1042' });

    for (const [type, intent] of [
      ['payment_intent.succeeded', unknown],
      ['payment_intent.succeeded', foreign],
      ['payment_intent.created', unknown],
      ['charge.refunded', foreign],
    ] as const) {
      const sent = await fake.events.send(type, intent);
      expect(sent.status).toBe(200);
      expect(JSON.parse(sent.body).outcome).toBe('ignored');
    }
    expect(tg.logLines.some((l) => l.includes('processor event for an unknown payment') && l.includes('"level":"debug"'))).toBe(true);
  });

  it('nothing of a card reaches the answers or the logs', async () => {
    const seen = [...tg.logLines, ...tg.responses, ...fake.events.sent.map((e) => e.body)].join('\n');
    expect(leaksIn(seen, ['4242424242424242', INSUFFICIENT_FUNDS_CARD, '424242424242', '400000000000'])).toEqual([]);
  });
});

describe('without STRIPE_WEBHOOK_SECRET', () => {
  it('the route answers 503 (not configured) and the start says so', async () => {
    const tg = await startTestGateway('memory', { env: { PROCESSOR: 'stripe', STRIPE_SECRET_KEY: FAKE_STRIPE_KEY, STRIPE_API_URL: 'http://127.0.0.1:9' } });
    try {
      const res = await fetch(`${tg.gateway.url}/webhooks/stripe`, { method: 'POST', headers: { 'stripe-signature': 't=1,v1=00' }, body: '{}' });
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_configured');
      expect(tg.logLines.some((l) => l.includes('STRIPE_WEBHOOK_SECRET is not set'))).toBe(true);
    } finally {
      await tg.close();
    }
  });
});
