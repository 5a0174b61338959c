import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestGateway, type TestGateway } from '../support/harness';
import { countingProcessor, ManualClock, payPath } from '../support/payLinks';
import { launchChromium, pageErrors } from '../support/browser';

describe('the payment page in a browser', () => {
  let tg: TestGateway;
  let browser: Browser;
  const processor = countingProcessor();
  const clock = new ManualClock();
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    tg = await startTestGateway('redis', { processor: processor.option, clock, env: { PAY_RATE_LIMIT_PER_CLIENT: '10000' } });
    browser = await launchChromium();
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
    await tg?.close();
  });
  afterEach(async () => {
    for (const c of contexts.splice(0)) await c.close();
  });

  /** A fresh browser at a link payment's page; `script: false` is a browser without JavaScript. */
  async function open(
    options: { script?: boolean; body?: Record<string, unknown>; width?: number } = {},
  ): Promise<{ page: Page; payment: any; errors: string[] }> {
    const payment = await tg.createPayment({ channel: 'link', description: 'Invoice 1042', ...options.body });
    const context = await browser.newContext({ javaScriptEnabled: options.script ?? true, viewport: { width: options.width ?? 360, height: 740 } });
    contexts.push(context);
    const page = await context.newPage();
    const errors = pageErrors(page, { consoleErrors: true });
    await page.goto(tg.gateway.url + payPath(payment.payUrl));
    return { page, payment, errors };
  }

  async function fill(page: Page, card: { number: string; expiry?: string; code?: string }) {
    await page.getByLabel('Card number').pressSequentially(card.number);
    await page.getByLabel('Expiry date').pressSequentially(card.expiry ?? '1230');
    await page.getByLabel('Security code').pressSequentially(card.code ?? '123');
  }

  it('pays with an approved card and shows Success with the reference', async () => {
    const { page, payment, errors } = await open();
    await expect(page.getByText('$12.34').first().isVisible()).resolves.toBe(true);
    await page.getByLabel('Card number').pressSequentially('4242424242424242');
    expect(await page.getByLabel('Card number').inputValue()).toBe('4242 4242 4242 4242');
    expect(await page.locator('#cardNumber-brand').textContent()).toBe('Visa');
    await page.getByLabel('Expiry date').pressSequentially('1230');
    expect(await page.getByLabel('Expiry date').inputValue()).toBe('12/30');
    await page.getByLabel('Security code').pressSequentially('123');
    await page.getByRole('button', { name: /Process Card/ }).click();
    await page.getByRole('heading', { name: 'Success' }).waitFor();
    const view = await tg.getPayment(payment.id);
    expect(view.status).toBe('succeeded');
    expect(await page.locator('#pay-reference').textContent()).toBe(view.reference);
    expect(await page.textContent('body')).toContain('Visa •••• 4242');
    // Nothing the policy blocked, nothing that failed: the page runs on its own script alone.
    expect(errors).toEqual([]);
  });

  it('groups an American Express number as 4-6-5 and asks for 4 digits', async () => {
    const { page } = await open();
    await page.getByLabel('Card number').pressSequentially('378282246310005');
    expect(await page.getByLabel('Card number').inputValue()).toBe('3782 822463 10005');
    expect(await page.locator('#cardNumber-brand').textContent()).toBe('American Express');
    expect(await page.getByLabel('Security code').getAttribute('maxlength')).toBe('4');
  });

  it.each([390, 320])('keeps the brand label off the typed number at %i px wide (American Express)', async (width) => {
    const { page } = await open({ width });
    await page.getByLabel('Card number').pressSequentially('378282246310005');
    const brandLabel = page.locator('#cardNumber-brand');
    await brandLabel.getByText('American Express').waitFor();
    const brand = (await brandLabel.boundingBox())!;
    const input = (await page.getByLabel('Card number').boundingBox())!;
    // String expressions: the test compiles without the DOM library.
    const inner = (await page.evaluate(`(() => {
      const el = document.getElementById('cardNumber');
      const cs = getComputedStyle(el);
      const px = (v) => parseFloat(v) || 0;
      const ctx = document.createElement('canvas').getContext('2d');
      ctx.font = cs.font;
      ctx.letterSpacing = cs.letterSpacing;
      return {
        left: px(cs.borderLeftWidth) + px(cs.paddingLeft),
        right: px(cs.borderRightWidth) + px(cs.paddingRight),
        top: px(cs.borderTopWidth) + px(cs.paddingTop),
        bottom: px(cs.borderBottomWidth) + px(cs.paddingBottom),
        text: ctx.measureText(el.value).width,
      };
    })()`)) as { left: number; right: number; top: number; bottom: number; text: number };
    const content: Box = {
      x: input.x + inner.left,
      y: input.y + inner.top,
      width: input.width - inner.left - inner.right,
      height: input.height - inner.top - inner.bottom,
    };
    const typed: Box = { ...content, width: inner.text };
    expect(brand.width).toBeGreaterThan(0);
    expect(inner.text).toBeGreaterThan(0);
    // The whole number is in view, and the label covers neither it nor the space it may grow into.
    expect(typed.width).toBeLessThanOrEqual(content.width);
    expect(overlap(brand, typed)).toBeNull();
    expect(overlap(brand, content)).toBeNull();
  });

  it.each([true, false])('explains a Luhn mistake next to the card number (script: %s)', async (script) => {
    const { page, payment } = await open({ script });
    await fill(page, { number: '4242424242424241' });
    await page.getByRole('button', { name: /Process Card/ }).click();
    const error = page.locator('#cardNumber-error');
    await error.getByText('That card number is not valid. Please check the digits.').waitFor();
    expect(await page.getByLabel('Card number').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByLabel('Card number').getAttribute('aria-describedby')).toContain('cardNumber-error');
    // With the script the mistake never leaves the page; without it the server counts it.
    expect((await tg.getPayment(payment.id)).status).toBe(script ? 'pending' : 'capturing');
  });

  it.each([true, false])('explains a past expiry next to the expiry date (script: %s)', async (script) => {
    const { page } = await open({ script });
    await fill(page, { number: '4242424242424242', expiry: '0120' });
    await page.getByRole('button', { name: /Process Card/ }).click();
    await page.locator('#expiry-error').getByText('That expiration date has passed.').waitFor();
    expect(await page.getByLabel('Expiry date').getAttribute('aria-invalid')).toBe('true');
  });

  it.each([true, false])('explains every wrong field at once, not only the first (script: %s)', async (script) => {
    const { page } = await open({ script });
    await fill(page, { number: '4242424242424241', expiry: '0120', code: '12' });
    await page.getByRole('button', { name: /Process Card/ }).click();
    await page.locator('#cardNumber-error').getByText('That card number is not valid. Please check the digits.').waitFor();
    // The errors arrive together (one page, or one check of the form): once one shows, all must.
    expect(await page.locator('#expiry-error').textContent()).toContain('That expiration date has passed.');
    expect(await page.locator('#securityCode-error').textContent()).toBe('The security code for this card has 3 digits.');
    for (const label of ['Card number', 'Expiry date', 'Security code']) {
      expect(await page.getByLabel(label).getAttribute('aria-invalid')).toBe('true');
    }
  });

  it('says a card was declined, then pays with another card', async () => {
    const { page, payment } = await open();
    await fill(page, { number: '4000000000000002' });
    await page.getByRole('button', { name: /Process Card/ }).click();
    await page.getByRole('alert').getByText('Your card was declined. You can try again with another card.').waitFor();
    await fill(page, { number: '5555555555554444' });
    await page.getByRole('button', { name: /Process Card/ }).click();
    await page.getByRole('heading', { name: 'Success' }).waitFor();
    expect((await tg.getPayment(payment.id)).card).toEqual({ brand: 'mastercard', last4: '4444' });
  });

  it('cannot reuse a finished link', async () => {
    const { page, payment } = await open();
    await fill(page, { number: '4242424242424242' });
    await page.getByRole('button', { name: /Process Card/ }).click();
    await page.getByRole('heading', { name: 'Success' }).waitFor();
    const again = await page.goto(tg.gateway.url + payPath(payment.payUrl));
    expect(again?.status()).toBe(404);
    await page.getByRole('heading', { name: 'This payment link cannot be used' }).waitFor();
    expect(await page.locator('input[name="cardNumber"]').count()).toBe(0);
  });

  it('refuses an expired link', async () => {
    const payment = await tg.createPayment({ channel: 'link', expiresInSeconds: 60 });
    clock.advance(61);
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    const res = await page.goto(tg.gateway.url + payPath(payment.payUrl));
    expect(res?.status()).toBe(404);
    await page.getByRole('heading', { name: 'This payment link cannot be used' }).waitFor();
  });

  it('charges once when the form is sent twice at once (two tabs without the script)', async () => {
    // A double click sends one form: the browser drops the first navigation before it leaves. Two tabs
    // on one link send two, which is what the gateway must hold apart.
    const { page, payment } = await open({ script: false });
    const second = await page.context().newPage();
    await second.goto(page.url());
    let sent = 0;
    for (const tab of [page, second]) {
      tab.on('request', (request) => {
        if (request.method() === 'POST') sent += 1;
      });
      await fill(tab, { number: '4242424242424242' });
    }
    const before = processor.get().charges.length;
    await Promise.all([page, second].map((tab) => tab.getByRole('button', { name: /Process Card/ }).click()));
    // The later submission waits for the first and shows its result: both answers are in once both show it.
    await Promise.all([page, second].map((tab) => tab.getByRole('heading', { name: 'Success' }).waitFor()));
    expect(sent).toBe(2);
    expect(processor.get().charges.length - before).toBe(1);
    expect((await tg.getPayment(payment.id)).status).toBe('succeeded');
  });

  it('fits a 360 px wide screen without sideways scrolling', async () => {
    const { page } = await open();
    // A string expression: the test compiles without the DOM library.
    const widths = (await page.evaluate('({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth })')) as {
      scroll: number;
      client: number;
    };
    expect(widths.scroll).toBeLessThanOrEqual(widths.client);
    const box = await page.getByRole('button', { name: /Process Card/ }).boundingBox();
    expect(box!.x + box!.width).toBeLessThanOrEqual(360);
  });
});

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The area two boxes share, or null when they do not overlap. */
function overlap(a: Box, b: Box): Box | null {
  const x = Math.max(a.x, b.x);
  const y = Math.max(a.y, b.y);
  const width = Math.min(a.x + a.width, b.x + b.width) - x;
  const height = Math.min(a.y + a.height, b.y + b.height) - y;
  return width > 0 && height > 0 ? { x, y, width, height } : null;
}
