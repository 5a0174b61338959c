/**
 * Takes the README's screenshots of the payment page: a phone (360×740), a larger phone (390×844)
 * and a laptop (1366×768).
 * Run: npx ts-node --transpile-only test/browser/screenshots.ts
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startTestGateway } from './harness';
import { payPath } from './payLinks';
import { launchChromium } from './browser';

const OUT = join(__dirname, '../../docs');

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const tg = await startTestGateway('memory', { env: { MERCHANT_NAME: 'Acme Plumbing' } });
  const browser = await launchChromium();
  try {
    const shots: Array<{ file: string; width: number; height: number; after: 'typing' | 'mistake' | 'success'; amex?: boolean }> = [
      { file: 'pay-page-phone.png', width: 360, height: 740, after: 'typing' },
      { file: 'pay-page-phone-amex.png', width: 390, height: 844, after: 'typing', amex: true },
      { file: 'pay-page-laptop.png', width: 1366, height: 768, after: 'typing' },
      { file: 'pay-page-phone-mistake.png', width: 360, height: 740, after: 'mistake' },
      { file: 'pay-page-phone-success.png', width: 360, height: 740, after: 'success' },
    ];
    for (const shot of shots) {
      const payment = await tg.createPayment({ channel: 'link', amount: '184.50', description: 'Invoice 1042 – boiler repair' });
      const context = await browser.newContext({ viewport: { width: shot.width, height: shot.height }, deviceScaleFactor: 1 });
      const page = await context.newPage();
      await page.goto(tg.gateway.url + payPath(payment.payUrl));
      const number = shot.amex ? '378282246310005' : shot.after === 'mistake' ? '4242424242424241' : '4242424242424242';
      await page.getByLabel('Card number').pressSequentially(number);
      await page.getByLabel('Expiry date').pressSequentially('1230');
      await page.getByLabel('Security code').pressSequentially(shot.amex ? '1234' : '123');
      if (shot.after !== 'typing') {
        await page.getByRole('button', { name: /Process Card/ }).click();
        if (shot.after === 'success') await page.getByRole('heading', { name: 'Success' }).waitFor();
      }
      await page.screenshot({ path: join(OUT, shot.file) });
      await context.close();
      console.log(`docs/${shot.file}`);
    }
  } finally {
    await browser.close();
    await tg.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
