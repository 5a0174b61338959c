import type { TestGateway } from '../../support/harness';
import type { ConnectorReceiver } from '../../support/connectorReceiver';
import { FAKE_STRIPE_KEY, type FakeStripe } from '../../support/fakeStripe';
import { enterCard, enterPayCode } from '../../support/voiceCalls';
import { useConnectorGateway, useStripeGateway } from '../../support/processorGateway';

/** Authorises a manual-capture payment over the phone; answers its id once it is `authorized`. */
async function authorise(tg: TestGateway, amount: string): Promise<{ id: string; said: string }> {
  const payment = await tg.createPayment({ amount, capture: 'manual' });
  const call = tg.call();
  await enterPayCode(call, payment.payCode);
  await enterCard(call, '4242424242424242', 'visa');
  await call.press('1');
  const view = await tg.getPayment(payment.id);
  expect(view).toMatchObject({ status: 'authorized', reference: expect.stringMatching(/^[0-9]{8}$/) });
  return { id: payment.id, said: call.saysText() };
}

const post = (tg: TestGateway, id: string, action: 'capture' | 'void', body?: unknown) => tg.api('POST', `/api/payments/${id}/${action}`, body);

describe('manual capture through Stripe (a Stripe-shaped server on loopback)', () => {
  let fake: FakeStripe;
  let tg: TestGateway;
  useStripeGateway('memory', {}, (opened) => ({ fake, tg } = opened));

  it('authorises with capture_method manual, captures part with amount_to_capture, and never says pi_', async () => {
    const { id, said } = await authorise(tg, '20.00');
    expect(said).toContain('Payment authorized.');
    expect(said).not.toContain('p, i, _');
    const view = await tg.getPayment(id);
    expect(view.processorReference).toMatch(/^pi_/);
    const created = fake.requests.find((r) => r.path === '/v1/payment_intents' && r.form['metadata[payment_id]'] === id);
    expect(created?.form.capture_method).toBe('manual');
    expect(fake.intents.get(view.processorReference)?.status).toBe('requires_capture');

    const res = await post(tg, id, 'capture', { amount: '12.50' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'succeeded', amountCaptured: '12.50' });
    const capture = fake.requests.find((r) => r.path === `/v1/payment_intents/${view.processorReference}/capture`);
    expect(capture?.form.amount_to_capture).toBe('1250');
    expect(capture?.headers['idempotency-key']).toBe(`${id}-capture`);
    expect(fake.intents.get(view.processorReference)).toMatchObject({ status: 'succeeded', amount_received: 1250 });
  });

  it('voids with paymentIntents.cancel', async () => {
    const { id } = await authorise(tg, '5.00');
    const reference = (await tg.getPayment(id)).processorReference;
    expect((await post(tg, id, 'void')).body.status).toBe('canceled');
    expect(fake.intents.get(reference)?.status).toBe('canceled');
  });

  it('the fake refuses what Stripe refuses: a capture above the authorised amount, or of an intent not in requires_capture', async () => {
    const { id } = await authorise(tg, '5.00');
    const reference = (await tg.getPayment(id)).processorReference;
    const send = (path: string, form: string) =>
      fetch(`${fake.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${FAKE_STRIPE_KEY}`, 'content-type': 'application/x-www-form-urlencoded' }, body: form });
    const above = await send(`/v1/payment_intents/${reference}/capture`, 'amount_to_capture=501');
    expect(above.status).toBe(400);
    expect(((await above.json()) as { error: { code: string } }).error.code).toBe('amount_too_large');
    expect((await send(`/v1/payment_intents/${reference}/capture`, 'amount_to_capture=500')).status).toBe(200);
    const twice = await send(`/v1/payment_intents/${reference}/capture`, 'amount_to_capture=500');
    expect(twice.status).toBe(400);
    expect(((await twice.json()) as { error: { code: string } }).error.code).toBe('payment_intent_unexpected_state');
    // The gateway, asked to capture what Stripe already captured, reports the processor's refusal and keeps the payment authorised.
    const res = await post(tg, id, 'capture');
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe('capture_failed');
    expect((await tg.getPayment(id)).status).toBe('authorized');
  });
});

describe('manual capture through the HTTPS connector', () => {
  let receiver: ConnectorReceiver;
  let tg: TestGateway;
  useConnectorGateway('memory', {}, (opened) => ({ receiver, tg } = opened));

  it('sends signed capture and void requests without card data, and the receiver settles each once', async () => {
    const { id } = await authorise(tg, '30.00');
    const reference = (await tg.getPayment(id)).processorReference;
    expect(reference).toMatch(/^au_/);
    expect(receiver.received.find((r) => r.body.type === 'charge' && r.body.payment.id === id)?.body.payment.capture).toBe('manual');

    expect((await post(tg, id, 'capture', { amount: '30.01' })).status).toBe(422);
    const res = await post(tg, id, 'capture', { amount: '10.00' });
    expect(res.body).toMatchObject({ status: 'succeeded', amountCaptured: '10.00' });
    const capture = receiver.received.find((r) => r.body.type === 'capture');
    expect(capture?.signature).toEqual({ ok: true });
    expect(capture?.body).toEqual({
      type: 'capture',
      capture: { paymentId: id, paymentReference: reference, amount: '10.00', amountMinor: 1000, amountExponent: 2, amountUnit: 'iso4217', currency: 'USD' },
      idempotencyKey: `${id}-capture`,
    });
    expect(receiver.authorizations.get(reference)).toMatchObject({ status: 'captured', capturedMinor: 1000 });

    const other = await authorise(tg, '4.00');
    const otherReference = (await tg.getPayment(other.id)).processorReference;
    expect((await post(tg, other.id, 'void')).body.status).toBe('canceled');
    const voided = receiver.received.find((r) => r.body.type === 'void');
    expect(voided?.signature).toEqual({ ok: true });
    expect(voided?.raw).not.toContain('4242');
    expect(receiver.authorizations.get(otherReference)?.status).toBe('voided');
  });
});
