import type { Browser } from 'playwright-core';
import { startTestGateway, type TestGateway } from '../support/harness';
import { launchChromium, pageErrors } from '../support/browser';
import { payPath } from '../support/payLinks';

describe('the payment page in a browser, for a link that saves a card', () => {
  let tg: TestGateway;
  let browser: Browser;

  beforeAll(async () => {
    tg = await startTestGateway('memory', { env: { PAY_RATE_LIMIT_PER_CLIENT: '10000' } });
    browser = await launchChromium();
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
    await tg?.close();
  });

  it('shows no amount, saves with "Save Card" and ends with "Card saved", the masked card and the reference', async () => {
    const created = await tg.api('POST', '/api/payments', { intent: 'save_card', channel: 'link', description: 'Card on file' });
    expect(created.status).toBe(201);
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
    try {
      const page = await context.newPage();
      const errors = pageErrors(page);
      await page.goto(tg.gateway.url + payPath(created.body.payUrl));
      expect(await page.locator('#pay-amount').count()).toBe(0);
      expect(await page.getByRole('button', { name: /Process Card/ }).count()).toBe(0);
      await page.getByLabel('Card number').fill('4242424242424242');
      await page.getByLabel('Expiry date').fill('12/30');
      await page.getByLabel('Security code').fill('123');
      await page.getByRole('button', { name: 'Save Card' }).click();
      await page.getByRole('heading', { name: 'Card saved' }).waitFor();
      const payment = await tg.getPayment(created.body.id);
      expect(payment).toMatchObject({ status: 'succeeded', intent: 'save_card', paymentMethod: `pm_gw_${payment.reference}` });
      expect(await page.locator('#pay-card').textContent()).toBe('Visa •••• 4242');
      expect(await page.locator('#pay-reference').textContent()).toBe(payment.reference);
      expect(await page.title()).toBe('Card saved');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
