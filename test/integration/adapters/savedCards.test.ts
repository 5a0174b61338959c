import type { TestGateway } from '../../support/harness';
import { enterPayCode } from '../../support/voiceCalls';
import { leaksIn } from '../../support/leakScan';
import { FAKE_STRIPE_KEY, type FakeStripe } from '../../support/fakeStripe';
import { CONNECTOR_SECRET, type ConnectorReceiver } from '../../support/connectorReceiver';
import { verifyConnectorSignature, SIGNATURE_HEADER } from '../../../src/adapters/processors/connectorSignature';
import { useConnectorGateway, useStripeGateway } from '../../support/processorGateway';

const GOOD = '4242424242424242';
const POOR = '4000000000009995'; // saves, then declines for insufficient funds

async function saveOnCall(tg: TestGateway, number: string): Promise<any> {
  const created = await tg.createPayment({ intent: 'save_card', amount: undefined, currency: undefined });
  const call = tg.call();
  await enterPayCode(call, created.payCode);
  await call.press(`${number}#`);
  await call.press('1230');
  await call.press('739');
  await call.press('1');
  expect(call.saysText()).toContain('Your card has been saved');
  return tg.getPayment(created.id);
}

describe('saving a card with Stripe (fake Stripe), then charging it off-session', () => {
  let fake: FakeStripe;
  let tg: TestGateway;
  useStripeGateway('memory', {}, (opened) => ({ fake, tg } = opened));

  it('saves through a customer and an off-session SetupIntent, and charges with off_session and confirm', async () => {
    const payment = await saveOnCall(tg, GOOD);
    expect(payment).toMatchObject({ status: 'succeeded', intent: 'save_card' });
    const method = (await tg.api('GET', `/api/payment-methods/${payment.paymentMethod}`)).body;
    expect(method).toMatchObject({ processor: 'stripe', card: { brand: 'visa', last4: '4242' }, processorIds: { customer: expect.stringMatching(/^cus_/), paymentMethod: expect.stringMatching(/^pm_/) } });
    const setup = [...fake.setupIntents.values()];
    expect(setup).toEqual([{ customer: method.processorIds.customer, payment_method: method.processorIds.paymentMethod, usage: 'off_session', status: 'succeeded' }]);

    const charged = await tg.api('POST', '/api/payments', { amount: '12.34', currency: 'USD', paymentMethod: payment.paymentMethod });
    expect(charged.body).toMatchObject({ status: 'succeeded', reference: expect.stringMatching(/^\d{8}$/), processorReference: expect.stringMatching(/^pi_/) });
    const request = fake.requests.filter((r) => r.path === '/v1/payment_intents').at(-1)!;
    expect(request.form).toMatchObject({ amount: '1234', currency: 'usd', off_session: 'true', confirm: 'true', customer: method.processorIds.customer, payment_method: method.processorIds.paymentMethod });
    // No card data travels with an off-session charge.
    expect(request.raw).not.toContain('card%5Bnumber%5D');
  });

  it('declines an off-session charge the card cannot cover', async () => {
    const payment = await saveOnCall(tg, POOR);
    const charged = await tg.api('POST', '/api/payments', { amount: '5.00', currency: 'USD', paymentMethod: payment.paymentMethod });
    expect(charged.body).toMatchObject({ status: 'failed', failure: { code: 'insufficient_funds' } });
  });

  it('the fake refuses, as Stripe does, an off-session charge of a PaymentMethod attached to no customer', async () => {
    const post = (path: string, form: Record<string, string>) =>
      fetch(`${fake.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${FAKE_STRIPE_KEY}`, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });
    const pm = (await (await post('/v1/payment_methods', { type: 'card', 'card[number]': GOOD, 'card[exp_month]': '12', 'card[exp_year]': '2030' })).json()) as { id: string };
    const cus = (await (await post('/v1/customers', {})).json()) as { id: string };
    const refused = await post('/v1/payment_intents', { amount: '100', currency: 'usd', payment_method: pm.id, customer: cus.id, off_session: 'true', confirm: 'true' });
    expect(refused.status).toBe(400);
    const noCustomer = await post('/v1/payment_intents', { amount: '100', currency: 'usd', payment_method: pm.id, off_session: 'true', confirm: 'true' });
    expect(noCustomer.status).toBe(400);
  });

  it('leaks no card data into answers or logs', () => {
    expect(leaksIn(tg.responses.join('\n'), [GOOD, POOR])).toEqual([]);
    expect(leaksIn(tg.logLines.join('\n'), [GOOD, POOR])).toEqual([]);
  });
});

describe('saving a card with the HTTPS connector, then charging its token', () => {
  let receiver: ConnectorReceiver;
  let tg: TestGateway;
  useConnectorGateway('redis', {}, (opened) => ({ receiver, tg } = opened));

  it('sends a signed tokenize request, then charges the token with no card data', async () => {
    const payment = await saveOnCall(tg, GOOD);
    const tokenize = receiver.received.find((r) => r.body.type === 'tokenize')!;
    expect(tokenize.signature).toEqual({ ok: true });
    expect(verifyConnectorSignature(CONNECTOR_SECRET, tokenize.headers[SIGNATURE_HEADER.toLowerCase()] as string, tokenize.raw)).toEqual({ ok: true });
    const method = (await tg.api('GET', `/api/payment-methods/${payment.paymentMethod}`)).body;
    expect(method).toMatchObject({ processor: 'connector', card: { last4: '4242' }, processorIds: { paymentMethod: expect.stringMatching(/^tok_/) } });

    const charged = await tg.api('POST', '/api/payments', { amount: '7.50', currency: 'USD', paymentMethod: payment.paymentMethod });
    expect(charged.body).toMatchObject({ status: 'succeeded', reference: expect.stringMatching(/^\d{8}$/), processorReference: expect.stringMatching(/^ch_/) });
    const charge = receiver.received.at(-1)!;
    expect(charge.body).toMatchObject({ type: 'charge', offSession: true, paymentMethod: { token: method.processorIds.paymentMethod }, payment: { amountMinor: 750 } });
    expect(charge.body.card).toBeUndefined();
    expect(charge.signature).toEqual({ ok: true });

    const poor = await saveOnCall(tg, POOR);
    const refused = await tg.api('POST', '/api/payments', { amount: '7.50', currency: 'USD', paymentMethod: poor.paymentMethod });
    expect(refused.body).toMatchObject({ status: 'failed', failure: { code: 'insufficient_funds' } });
  });

  it('keeps the token sealed at rest and no card data in the store, answers or logs', async () => {
    const stored = (await tg.rawRedisValues()).join('\n');
    expect(leaksIn(stored, [GOOD, POOR])).toEqual([]);
    for (const token of receiver.tokens.keys()) expect(stored).not.toContain(token);
    expect(leaksIn(tg.responses.join('\n') + tg.logLines.join('\n'), [GOOD, POOR])).toEqual([]);
  });
});
