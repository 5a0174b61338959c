import { STORE_KINDS, startTestGateway, type TestGateway } from '../../support/harness';
import { csrfOf, openPage, payWith, textOf } from '../../support/payLinks';
import { leaksIn } from '../../support/leakScan';
import type { FakeStripe } from '../../support/fakeStripe';
import type { ConnectorReceiver } from '../../support/connectorReceiver';
import { POSTAL_CODES, postalCodeFlowsDir } from '../../support/postalCodeFlows';
import { useConnectorGateway, useStripeGateway } from '../../support/processorGateway';

const GOOD = '4242424242424242';
const POOR = '4000000000009995'; // saves, then declines for insufficient funds when charged
const REFUSED = '4000000000000002'; // refused outright, even for saving
const SECRETS = [GOOD, POOR, REFUSED];

/** A save_card link payment, made through the API as a chat agent's system would. */
async function saveLink(tg: TestGateway, extra: Record<string, unknown> = {}): Promise<any> {
  const res = await tg.api('POST', '/api/payments', { intent: 'save_card', channel: 'link', description: 'Card on file', ...extra });
  expect(res.status).toBe(201);
  return res.body;
}

/** Saves a card on the page in one submission and answers the page's text and the payment. */
async function saveOnPage(tg: TestGateway, number: string, extra: Record<string, string> = {}): Promise<{ text: string; html: string; payment: any }> {
  const created = await saveLink(tg);
  const answer = await payWith(tg, created.payUrl, { cardNumber: number, ...extra });
  expect(answer.status).toBe(200);
  return { text: textOf(answer.html), html: answer.html, payment: await tg.getPayment(created.id) };
}

describe.each(STORE_KINDS)('saving a card on the pay page (sandbox, %s store)', (kind) => {
  let tg: TestGateway;

  beforeAll(async () => {
    tg = await startTestGateway(kind, { env: { PAY_RATE_LIMIT_PER_CLIENT: '10000' } });
  });
  afterAll(async () => {
    await tg.close();
  });

  it('shows no amount and a "Save Card" button instead of "Process Card"', async () => {
    const created = await saveLink(tg);
    expect(created).toMatchObject({ channel: 'link', flow: 'web', intent: 'save_card', amount: '0.00', status: 'pending' });
    const page = await openPage(tg, created.payUrl);
    const text = textOf(page.html);
    expect(page.status).toBe(200);
    expect(text).toContain('asks you to save a card for later payments');
    expect(text).toContain('Nothing is charged now.');
    expect(page.html).toMatch(/<button type="submit" id="pay-submit"[^>]*>Save Card<\/button>/);
    expect(text).not.toContain('Process Card');
    expect(page.html).not.toContain('id="pay-amount"');
    expect(text).not.toMatch(/\$|0\.00/);
  });

  it('ends with "Card saved", the masked card and the reference that names the saved card', async () => {
    const { text, html, payment } = await saveOnPage(tg, GOOD);
    expect(payment).toMatchObject({ status: 'succeeded', intent: 'save_card', card: { brand: 'visa', last4: '4242' }, paymentMethod: `pm_gw_${payment.reference}` });
    expect(html).toMatch(/<h1 class="success" id="pay-result">Card saved<\/h1>/);
    expect(html).toContain('<dd id="pay-card">Visa •••• 4242</dd>');
    expect(html).toContain(`<dd id="pay-reference">${payment.reference}</dd>`);
    expect(text).toContain('You saved a card with');
    expect(text).not.toMatch(/You paid|Amount|Payment made/);
    const method = await tg.api('GET', `/api/payment-methods/${payment.paymentMethod}`);
    expect(method.body).toMatchObject({ processor: 'sandbox', card: { brand: 'visa', last4: '4242' }, paymentId: payment.id, expMonth: 12, expYear: 2030 });
  });

  it('saves a card the page took, which the API then charges without a call', async () => {
    const good = (await saveOnPage(tg, GOOD)).payment;
    const poor = (await saveOnPage(tg, POOR)).payment;
    const charged = await tg.api('POST', '/api/payments', { amount: '25.00', currency: 'USD', paymentMethod: good.paymentMethod });
    expect(charged.body).toMatchObject({ status: 'succeeded', paymentMethod: good.paymentMethod });
    const refused = await tg.api('POST', '/api/payments', { amount: '25.00', currency: 'USD', paymentMethod: poor.paymentMethod });
    expect(refused.body).toMatchObject({ status: 'failed', failure: { code: 'insufficient_funds' } });
  });

  it('a finished link posted again shows the same result and saves nothing more', async () => {
    const created = await saveLink(tg);
    const csrf = csrfOf((await openPage(tg, created.payUrl)).html);
    await payWith(tg, created.payUrl, { cardNumber: GOOD }, csrf);
    const again = await payWith(tg, created.payUrl, { cardNumber: POOR }, csrf);
    expect(textOf(again.html)).toContain('Visa •••• 4242');
    expect(await tg.getPayment(created.id)).toMatchObject({ status: 'succeeded', card: { last4: '4242' } });
  });

  it('keeps no card data in the store, answers or logs', async () => {
    const stored = (await tg.rawRedisValues()).join('\n');
    expect(leaksIn(stored, SECRETS)).toEqual([]);
    expect(leaksIn(tg.responses.join('\n'), SECRETS)).toEqual([]);
    expect(leaksIn(tg.logLines.join('\n'), SECRETS)).toEqual([]);
  });
});

describe('saving a card on the pay page of a flow that asks for the billing postal code (sandbox)', () => {
  const flows = postalCodeFlowsDir({ country: 'US' });
  let tg: TestGateway;

  beforeAll(async () => {
    tg = await startTestGateway('memory', { env: { FLOWS_DIR: flows.dir, PAY_RATE_LIMIT_PER_CLIENT: '10000' } });
  });
  afterAll(async () => {
    await tg.close();
    flows.remove();
  });

  it('asks for the postal code and saves the card', async () => {
    const created = await saveLink(tg);
    const page = await openPage(tg, created.payUrl);
    expect(textOf(page.html)).toContain('Billing postal code');
    const saved = await payWith(tg, created.payUrl, { cardNumber: GOOD, postalCode: POSTAL_CODES.passes });
    expect(textOf(saved.html)).toContain('Card saved');
    expect(await tg.getPayment(created.id)).toMatchObject({ status: 'succeeded', postalCodeCaptured: true });
  });
});

describe('saving a card on the pay page with Stripe (fake Stripe)', () => {
  let fake: FakeStripe;
  let tg: TestGateway;
  useStripeGateway('redis', { env: { PAY_RATE_LIMIT_PER_CLIENT: '10000' } }, (opened) => ({ fake, tg } = opened));

  it('attaches the card to a customer with an off-session SetupIntent, then charges it', async () => {
    const { text, payment } = await saveOnPage(tg, GOOD);
    expect(text).toContain('Card saved');
    const method = (await tg.api('GET', `/api/payment-methods/${payment.paymentMethod}`)).body;
    expect([...fake.setupIntents.values()]).toEqual([{ customer: method.processorIds.customer, payment_method: method.processorIds.paymentMethod, usage: 'off_session', status: 'succeeded' }]);
    const charged = await tg.api('POST', '/api/payments', { amount: '12.34', currency: 'USD', paymentMethod: payment.paymentMethod });
    expect(charged.body).toMatchObject({ status: 'succeeded', processorReference: expect.stringMatching(/^pi_/) });
  });

  it('says the card was not saved when Stripe refuses it, and lets another card be tried', async () => {
    const created = await saveLink(tg);
    const refused = textOf((await payWith(tg, created.payUrl, { cardNumber: REFUSED })).html);
    expect(refused).toMatch(/declined/i);
    expect(refused).not.toContain('Card saved');
    const saved = await payWith(tg, created.payUrl, { cardNumber: GOOD });
    expect(textOf(saved.html)).toContain('Card saved');
    expect(await tg.getPayment(created.id)).toMatchObject({ status: 'succeeded', card: { last4: '4242' } });
  });

  it('leaks no card data into answers or logs', () => {
    expect(leaksIn(tg.responses.join('\n') + tg.logLines.join('\n'), SECRETS)).toEqual([]);
  });
});

describe('saving a card on the pay page with the HTTPS connector', () => {
  let receiver: ConnectorReceiver;
  let tg: TestGateway;
  useConnectorGateway('memory', { env: { PAY_RATE_LIMIT_PER_CLIENT: '10000' } }, (opened) => ({ receiver, tg } = opened));

  it('sends one signed tokenize request, then charges the token', async () => {
    const { text, payment } = await saveOnPage(tg, GOOD);
    expect(text).toContain('Card saved');
    const tokenizes = receiver.received.filter((r) => r.body.type === 'tokenize');
    expect(tokenizes).toHaveLength(1);
    expect(tokenizes[0]!.signature).toEqual({ ok: true });
    const charged = await tg.api('POST', '/api/payments', { amount: '7.50', currency: 'USD', paymentMethod: payment.paymentMethod });
    expect(charged.body).toMatchObject({ status: 'succeeded', processorReference: expect.stringMatching(/^ch_/) });
  });
});

describe('saving a card on the pay page with a postal-code flow, with the HTTPS connector', () => {
  const flows = postalCodeFlowsDir({ country: 'US' });
  let receiver: ConnectorReceiver;
  let tg: TestGateway;
  useConnectorGateway('redis', { env: { FLOWS_DIR: flows.dir, PAY_RATE_LIMIT_PER_CLIENT: '10000' } }, (opened) => ({ receiver, tg } = opened));
  afterAll(() => flows.remove());

  it('sends the billing postal code with the card to be saved, and keeps nothing of it', async () => {
    const created = await saveLink(tg);
    const saved = await payWith(tg, created.payUrl, { cardNumber: GOOD, postalCode: POSTAL_CODES.passes });
    expect(textOf(saved.html)).toContain('Card saved');
    const tokenize = receiver.received.find((r) => r.body.type === 'tokenize')!;
    expect(tokenize.body.card).toMatchObject({ postalCode: POSTAL_CODES.passes, expMonth: 12, expYear: 2030 });
    expect(leaksIn((await tg.rawRedisValues()).join('\n'), [GOOD, POSTAL_CODES.passes])).toEqual([]);
  });
});
