import type { Browser } from 'playwright-core';
import { startTestGateway, type TestGateway } from '../support/harness';
import { launchChromium, pageErrors } from '../support/browser';
import { countingProcessor, payPath } from '../support/payLinks';
import { POSTAL_CODES, postalCodeFlowsDir } from '../support/postalCodeFlows';

describe('the payment page in a browser, for a flow that asks for the billing postal code', () => {
  const flows = postalCodeFlowsDir({ country: 'US' });
  const processor = countingProcessor();
  let tg: TestGateway;
  let browser: Browser;

  beforeAll(async () => {
    tg = await startTestGateway('memory', { processor: processor.option, env: { FLOWS_DIR: flows.dir, PAY_RATE_LIMIT_PER_CLIENT: '10000' } });
    browser = await launchChromium();
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
    await tg?.close();
    flows.remove();
  });

  it('asks for the postal code, explains a short one next to the field, then pays', async () => {
    const payment = await tg.createPayment({ channel: 'link', description: 'Invoice 1042' });
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
    try {
      const page = await context.newPage();
      const errors = pageErrors(page);
      await page.goto(tg.gateway.url + payPath(payment.payUrl));
      const fill = async (postalCode: string) => {
        await page.getByLabel('Card number').fill('4242424242424242');
        await page.getByLabel('Expiry date').fill('12/30');
        await page.getByLabel('Security code').fill('123');
        await page.getByLabel('Billing postal code').fill(postalCode);
        await page.getByRole('button', { name: /Process Card/ }).click();
      };
      await fill('941');
      await page.locator('#postalCode-error', { hasText: 'wrong number of digits' }).waitFor();
      expect((await tg.getPayment(payment.id)).status).toBe('capturing');
      await fill(POSTAL_CODES.passes);
      await page.getByRole('heading', { name: 'Success' }).waitFor();
      expect(await tg.getPayment(payment.id)).toMatchObject({ status: 'succeeded', postalCodeCaptured: true });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
