import type { Browser, BrowserContext, Page } from 'playwright-core';
import { eventually } from '../support/eventually';
import { auditEntries, startBridgeRig, type BridgeRig } from '../support/bridgeCalls';
import { launchChromium, pageErrors } from '../support/browser';
import { signInToPanel } from '../support/panelPage';
import { decodeQuotedPrintable, startSmtp, type SmtpReceiver } from '../support/smtpReceiver';

jest.setTimeout(60_000);

describe("the chat agent's pay link in a browser", () => {
  let browser: Browser;
  let rig: BridgeRig;
  let smtp: SmtpReceiver;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    smtp = await startSmtp();
    browser = await launchChromium();
    rig = await startBridgeRig('redis', { SMTP_URL: smtp.url, PAY_RATE_LIMIT_PER_CLIENT: '10000' });
  });
  afterAll(async () => {
    for (const c of contexts.splice(0)) await c.close();
    await browser?.close();
    await rig.close();
    await smtp.close();
  });

  /** The panel in a fresh browser context, signed in as a new agent and live; its uncaught errors are collected. */
  async function openPanel(name: string, options: { clipboard?: boolean } = {}): Promise<{ panel: Page; errors: string[] }> {
    const context = await browser.newContext();
    contexts.push(context);
    if (options.clipboard) await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(rig.tg.baseUrl).origin });
    const panel = await context.newPage();
    const errors = pageErrors(panel);
    await signInToPanel(panel, rig, name);
    await panel.locator('#connection', { hasText: 'Live' }).waitFor();
    return { panel, errors };
  }

  /** The customer opens the link in a phone-sized browser of their own and types a Visa card, not yet sent. */
  async function customerTypesCard(payUrl: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
    contexts.push(context);
    const customer = await context.newPage();
    await customer.goto(payUrl);
    await customer.getByLabel('Card number').pressSequentially('4242424242424242');
    await customer.getByLabel('Expiry date').pressSequentially('1230');
    await customer.getByLabel('Security code').pressSequentially('123');
    return customer;
  }

  it('the agent makes a link and copies it, the customer pays it on a second page, and the panel shows Success with the reference', async () => {
    const { panel, errors } = await openPanel('carol', { clipboard: true });

    // A refusal is shown on the form, in the API's words, and makes no link.
    const form = panel.locator('#chat-link');
    await form.getByLabel('Amount').fill('12.345');
    await form.getByRole('button', { name: 'Create pay link' }).click();
    await form.getByRole('alert').filter({ hasText: /^amount: / }).waitFor();
    expect(await panel.locator('li.link').count()).toBe(0);

    await form.getByLabel('Amount').fill('42.50');
    await form.getByLabel('Description').fill('Order 7781');
    await form.getByLabel("Customer's email").fill('chat.customer@example.com');
    await form.getByRole('button', { name: 'Create pay link' }).click();
    const card = panel.locator('li.link');
    await card.locator('.link-status', { hasText: 'Waiting for the customer' }).waitFor();
    // The card can arrive on the panel's event stream before the form's own answer clears the refusal.
    await form.getByRole('alert').waitFor({ state: 'hidden' });
    await card.getByRole('heading', { name: /42\.50 USD — Order 7781/ }).waitFor();

    await card.getByRole('button', { name: 'Copy' }).click();
    await card.locator('.copied', { hasText: 'Copied' }).waitFor();
    const payUrl = await card.getByLabel('Pay link').inputValue();
    expect(payUrl).toMatch(new RegExp(`^${rig.tg.baseUrl}/pay/[A-Za-z0-9_-]{43}$`));
    // A string, since the tests compile without the DOM's types.
    expect(await panel.evaluate('navigator.clipboard.readText()')).toBe(payUrl);

    // The customer, in another browser, opens what the agent pasted into the chat.
    const customer = await customerTypesCard(payUrl);
    await customer.getByRole('button', { name: /Process Card/ }).click();
    await customer.getByRole('heading', { name: 'Success' }).waitFor();

    const paymentId = await card.getAttribute('data-payment');
    const payment = await rig.tg.getPayment(paymentId!);
    expect(payment).toMatchObject({ status: 'succeeded', channel: 'link' });
    await card.locator('.link-status', { hasText: `Success, reference ${payment.reference}` }).waitFor();
    await card.locator('.steps li', { hasText: 'Visa •••• 4242 valid' }).waitFor();
    const panelText = (await panel.locator('body').textContent()) ?? '';
    expect(panelText).not.toMatch(/4242424242424242|4242 4242 4242 4242|12\/30/);

    // The receipt goes to the customer's email, and the audit names the agent and the payment.
    const mail = decodeQuotedPrintable(await eventually(() => smtp.messages.find((m) => m.includes(`Reference: ${payment.reference}`)), 10_000, 'the receipt'));
    expect(mail).toContain('To: chat.customer@example.com');
    expect(mail).toContain('Visa •••• 4242');
    expect((await auditEntries(rig)).filter((e) => e.action === 'create-link').map((e) => [e.actor, e.resource, e.result])).toEqual([
      ['carol', null, 'invalid_amount'],
      ['carol', paymentId, 'ok'],
    ]);
    expect(errors).toEqual([]);
  });

  it('the agent makes a link that saves the card: no amount asked, the customer saves it, and the panel shows Card saved', async () => {
    const { panel, errors } = await openPanel('dave');

    const form = panel.locator('#chat-link');
    await form.getByLabel(/Save the card for later/).check();
    expect(await form.getByLabel('Amount').isDisabled()).toBe(true);
    await form.getByLabel('Description').fill('Card on file');
    await form.getByRole('button', { name: 'Create pay link' }).click();
    const card = panel.locator('li.link', { hasText: 'Card on file' });
    await card.getByRole('heading', { name: /Card to save — Card on file/ }).waitFor();
    const payUrl = await card.getByLabel('Pay link').inputValue();

    const customer = await customerTypesCard(payUrl);
    await customer.getByRole('button', { name: 'Save Card' }).click();
    await customer.getByRole('heading', { name: 'Card saved' }).waitFor();

    const payment = await rig.tg.getPayment((await card.getAttribute('data-payment'))!);
    expect(payment).toMatchObject({ status: 'succeeded', intent: 'save_card', paymentMethod: `pm_gw_${payment.reference}` });
    await card.locator('.link-status', { hasText: `Card saved, reference ${payment.reference}` }).waitFor();
    expect(errors).toEqual([]);
  });
});
