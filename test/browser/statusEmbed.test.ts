import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestGateway, type TestGateway } from '../support/harness';
import { launchChromium, pageErrors } from '../support/browser';
import { leaksIn } from '../support/leakScan';
import { ManualClock } from '../support/payLinks';
import { enterPayCode } from '../support/voiceCalls';

jest.setTimeout(60_000);

const CARD = '4242424242424242';

/**
 * A merchant's agent desktop: a page on another origin (its own loopback port) that loads the element's
 * script from the gateway, under a strict policy of its own that allows only the gateway's script and
 * connections and no inline style: the element needs nothing more.
 */
async function startHostPage(gateway: string): Promise<{ url: string; server: Server; page(paymentId: string, token: string): string }> {
  const pages = new Map<string, string>();
  const server = createServer((req, res) => {
    const html = pages.get(req.url ?? '');
    if (!html) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': `default-src 'none'; script-src ${gateway}; connect-src ${gateway}; style-src 'self'`,
    });
    res.end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    server,
    page(paymentId, token) {
      const path = `/desk/${pages.size}`;
      pages.set(
        path,
        `<!doctype html><html><head><title>Agent desk</title><script src="${gateway}/embed/card-capture-status.js"></script></head>` +
          `<body><h1>Agent desk</h1><card-capture-status payment-id="${paymentId}" token="${token}" gateway="${gateway}"></card-capture-status></body></html>`,
      );
      return url + path;
    },
  };
}

describe('the embeddable status view on a host page', () => {
  let tg: TestGateway;
  let browser: Browser;
  let host: Awaited<ReturnType<typeof startHostPage>>;
  const clock = new ManualClock();
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    tg = await startTestGateway('memory', { clock });
    host = await startHostPage(tg.gateway.url);
    browser = await launchChromium();
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
    host?.server.close();
    await tg?.close();
  });
  afterEach(async () => {
    for (const c of contexts.splice(0)) await c.close();
  });

  async function open(paymentId: string, token: string): Promise<{ page: Page; errors: string[] }> {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    const errors = pageErrors(page, { consoleErrors: true });
    await page.goto(host.page(paymentId, token));
    return { page, errors };
  }
  async function mint(paymentId: string, ttlSeconds = 900): Promise<string> {
    const res = await tg.api('POST', `/api/payments/${paymentId}/status-tokens`, { ttlSeconds });
    expect(res.status).toBe(201);
    return res.body.token;
  }
  /** The element's own DOM (its shadow root), as markup. */
  const shadowHtml = (page: Page) => page.evaluate(`document.querySelector('card-capture-status').shadowRoot.innerHTML`) as Promise<string>;

  it('follows a keypad call to Success and the reference, showing only the brand and last 4', async () => {
    const payment = await tg.createPayment({ amount: '25.00' });
    const token = await mint(payment.id);
    const { page, errors } = await open(payment.id, token);
    const status = page.locator('card-capture-status');
    await status.getByText('Waiting for the caller').waitFor();
    await status.getByText('25.00 USD').waitFor();

    const call = tg.call();
    await enterPayCode(call, payment.payCode);
    const cardNumber = status.locator('li[data-field="cardNumber"]');
    await cardNumber.getByText('being entered…').waitFor();
    await status.getByText('Card details being entered').waitFor();

    await call.press('4242424242424241#');
    await cardNumber.getByText('invalid, asked again').waitFor();

    await call.press(`${CARD}#`);
    await cardNumber.getByText('✓ valid').waitFor();
    await status.getByText('Visa •••• 4242').waitFor();
    await status.locator('li[data-field="expiry"]').getByText('being entered…').waitFor();
    await call.press('1230');
    await call.press('123');
    await status.locator('li[data-field="securityCode"]').getByText('✓ valid').waitFor();
    await call.press('1');

    await status.getByText('Success', { exact: true }).waitFor();
    const { reference } = await tg.getPayment(payment.id);
    await status.getByText(`Reference ${reference}`).waitFor();
    expect(await status.getAttribute('data-status')).toBe('succeeded');
    // Its stylesheet applied under the host's policy (no inline style allowed): success is green.
    expect(await page.evaluate(`getComputedStyle(document.querySelector('card-capture-status').shadowRoot.querySelector('.status')).color`)).toBe('rgb(26, 127, 55)');

    const html = await shadowHtml(page);
    expect(html).toContain('Visa •••• 4242');
    expect(leaksIn(html, [CARD, '424242424242', '4242424242424241', /\b1230\b/, /\b123\b/, payment.payCode, token])).toEqual([]);
    // The host's strict policy refused nothing, and the script threw nothing.
    expect(errors).toEqual([]);
  });

  it('says so when its token is for another payment, or has expired', async () => {
    const mine = await tg.createPayment();
    const other = await tg.createPayment();
    const foreign = await open(other.id, await mint(mine.id));
    await foreign.page.locator('card-capture-status').getByText('This status link is for another payment.').waitFor();

    const token = await mint(mine.id, 60);
    const { page } = await open(mine.id, token);
    const status = page.locator('card-capture-status');
    await status.getByText('Waiting for the caller').waitFor();
    clock.advance(61);
    await status.getByText('This status link has expired.').waitFor();
  });
});
