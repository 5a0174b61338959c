import { eventually } from '../../support/eventually';
import { startTestGateway, type TestGateway } from '../../support/harness';
import { csrfOf, openPage, payWith, textOf } from '../../support/payLinks';
import { decodeQuotedPrintable, startSmtp } from '../../support/smtpReceiver';

describe('pay link receipts', () => {
  let tg: TestGateway;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;

  beforeAll(async () => {
    smtp = await startSmtp();
    tg = await startTestGateway('memory', {
      env: { SMTP_URL: smtp.url, RECEIPT_FROM: 'Acme Payments <pay@acme.test>', MERCHANT_NAME: 'Acme Plumbing' },
    });
  });
  afterAll(async () => {
    await tg.close();
    await smtp.close();
  });

  it('emails one receipt with the brand, last 4 and reference, and no other card data', async () => {
    const created = await tg.createPayment({ channel: 'link', description: 'Boiler repair', email: 'customer@example.com' });
    const csrf = csrfOf((await openPage(tg, created.payUrl)).html);
    const page = await payWith(tg, created.payUrl, { cardNumber: '4242424242424242', expiry: '1230', securityCode: '123' }, csrf);
    expect(textOf(page.html)).toContain('A receipt is on its way to your email.');
    const view = await tg.getPayment(created.id);
    const mail = decodeQuotedPrintable(await eventually(() => smtp.messages.find((m) => m.includes(view.reference)), 5000, 'the receipt'));
    expect(mail).toContain('To: customer@example.com');
    expect(mail).toContain('Acme Plumbing');
    expect(mail).toContain('Visa •••• 4242');
    expect(mail).toContain('Boiler repair');
    expect(mail).not.toMatch(/4242424242424242|1230|\b123\b/);
    // Posting the finished form again shows the result and sends nothing more. A second receipt would
    // leave at once; a later payment's receipt, paid after it, marks the point by which it would be here.
    await payWith(tg, created.payUrl, { cardNumber: '4242424242424242' }, csrf);
    const marker = await tg.createPayment({ channel: 'link', email: 'marker@example.com' });
    await payWith(tg, marker.payUrl, { cardNumber: '4242424242424242' });
    const markerReference = (await tg.getPayment(marker.id)).reference;
    await eventually(() => smtp.messages.some((m) => m.includes(markerReference)), 5000, 'the later payment’s receipt');
    expect(smtp.messages.filter((m) => m.includes(view.reference))).toHaveLength(1);
  });

  it('promises no receipt to a payment without an email', async () => {
    const created = await tg.createPayment({ channel: 'link', description: 'No email' });
    const page = await payWith(tg, created.payUrl, { cardNumber: '4242424242424242' });
    expect(textOf(page.html)).toContain('Success');
    expect(textOf(page.html)).not.toMatch(/receipt/i);
  });

  it('shows the merchant name on the page', async () => {
    const created = await tg.createPayment({ channel: 'link' });
    expect(textOf((await openPage(tg, created.payUrl)).html)).toContain('Acme Plumbing asks you to pay');
  });
});

describe('pay link rate limits', () => {
  let tg: TestGateway;

  beforeAll(async () => {
    tg = await startTestGateway('redis', { env: { PAY_RATE_LIMIT_PER_LINK: '3', PAY_RATE_LIMIT_PER_CLIENT: '8', TRUST_PROXY: 'loopback' } });
  });
  afterAll(async () => {
    await tg.close();
  });

  it('answers 429 with a plain page past the limit of one link, while other links still work', async () => {
    const created = await tg.createPayment({ channel: 'link' });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) statuses.push((await openPage(tg, created.payUrl)).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const limited = await openPage(tg, created.payUrl);
    expect(textOf(limited.html)).toContain('Too many requests');
    expect(limited.headers.get('retry-after')).toBe('60');
    const other = await tg.createPayment({ channel: 'link' });
    expect((await openPage(tg, other.payUrl)).status).toBe(200);
  });

  it('answers 429 past the limit of one client address, whatever links it tries', async () => {
    const client = { 'x-forwarded-for': '10.9.8.7' };
    const statuses: number[] = [];
    for (let i = 0; i < 10; i += 1) statuses.push((await openPage(tg, `${tg.baseUrl}/pay/${String(i).padStart(43, 'Z')}`, client)).status);
    expect(statuses.slice(0, 8).every((s) => s === 404)).toBe(true);
    expect(statuses.slice(8)).toEqual([429, 429]);
  });
});
