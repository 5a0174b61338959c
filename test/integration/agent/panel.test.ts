import { chromium, type Browser, type Page } from 'playwright-core';
import { cardKeys } from '../../support/harness';
import { eventually } from '../../support/eventually';
import { addAgent, auditEntries, lastRedirect, openBridge, startBridgeRig, type BridgeRig } from '../../support/bridgeCalls';

jest.setTimeout(60_000);

const VISA = '4242424242424242';
/** Card data as typed, and as a log or page might spell it. */
const SECRETS: Array<string | RegExp> = [VISA, '424242424242', '4242 4242', /(^|[^0-9])1230([^0-9]|$)/, '12/30'];

let browser: Browser;
beforeAll(async () => {
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
});
afterAll(async () => {
  await browser?.close();
});

async function signIn(page: Page, rig: BridgeRig, key?: string): Promise<void> {
  await page.goto(`${rig.tg.baseUrl}/panel`);
  await page.getByLabel('Agent key').fill(key ?? (await addAgent(rig, 'alice')));
  await page.getByRole('button', { name: 'Sign in' }).click();
}


describe('agent panel in a browser', () => {
  let rig: BridgeRig;
  let page: Page;
  const pages: string[] = [];
  beforeEach(async () => {
    rig = await startBridgeRig('redis');
    page = await browser.newPage();
    page.on('response', (res) => {
      if (res.url().includes('/panel') && !res.url().endsWith('/events')) void res.text().then((t) => pages.push(t), () => undefined);
    });
  });
  afterEach(async () => {
    await page.close();
    await rig.close();
  });

  it('signs in, starts a capture on a bridged call, follows the masked steps, confirms, and sees the approval', async () => {
    const caller = rig.tg.call();
    const bridgeId = await openBridge(rig, caller);
    await signIn(page, rig);
    const card = page.locator(`li.bridge[data-bridge="${bridgeId}"]`);
    await card.getByLabel('Amount').fill('12.34');
    await card.getByLabel('Description').fill('Invoice 9');
    await card.getByRole('button', { name: 'Start card capture' }).click();
    await card.getByText('Caller entering card details').waitFor();
    await card.locator('dd.recording', { hasText: /^Paused$/ }).waitFor();

    await caller.start(lastRedirect(rig.control, caller.callSid));
    const [number, expiry, code] = cardKeys(VISA, 'visa');
    await caller.press(number!);
    await card.getByText('Visa •••• 4242 — valid, waiting for you').waitFor();
    await card.getByRole('button', { name: 'Continue' }).click();
    await eventually(async () => (await caller.followRedirect(), caller.saysText().includes('expir')), 5000, 'the caller to be asked for the expiry');
    await caller.press(expiry!);
    await card.getByText('Expiry ✓').waitFor();
    await caller.press(code!);
    await card.getByText('Security code ✓').waitFor();
    await caller.press('1');
    const approved = await card.locator('.steps').getByText(/Approved — reference \d+/).textContent();
    await caller.silence();
    // The value cells, not the labels: "Recording" is also the name of its row.
    await card.locator('dd.recording', { hasText: /^Recording$/ }).waitFor();
    await card.locator('dd.bridge-state', { hasText: /^Connected$/ }).waitFor();

    const paymentId = (await rig.tg.gateway.bridges.get(bridgeId))!.paymentId!;
    const payment = await rig.tg.getPayment(paymentId);
    expect(approved).toContain(payment.reference);
    const html = await page.content();
    const audit = await auditEntries(rig);
    expect(audit.map((e) => `${e.action}:${e.result}`)).toEqual(['sign-in:ok', 'start-capture:ok', 'confirmed:ok']);
    expect(audit[1]).toMatchObject({ resource: `${bridgeId}/${paymentId}`, origin: rig.tg.baseUrl });
    expect(audit.map((e) => e.actor)).toEqual(['alice', 'alice', 'alice']);
    for (const text of [html, ...pages, JSON.stringify(audit), JSON.stringify(rig.events), rig.tg.logLines.join('\n')]) {
      for (const secret of SECRETS) typeof secret === 'string' ? expect(text).not.toContain(secret) : expect(text).not.toMatch(secret);
    }
  });

  it('cancels midway and the caller goes back to the conference', async () => {
    const caller = rig.tg.call();
    const bridgeId = await openBridge(rig, caller);
    await signIn(page, rig);
    const card = page.locator(`li.bridge[data-bridge="${bridgeId}"]`);
    await card.getByLabel('Amount').fill('3.00');
    await card.getByRole('button', { name: 'Start card capture' }).click();
    await card.getByText('Caller entering card details').waitFor();
    await caller.start(lastRedirect(rig.control, caller.callSid));
    await caller.press(`${VISA}#`);
    await card.getByText('Visa •••• 4242 — valid, waiting for you').waitFor();
    await card.getByRole('button', { name: 'Cancel' }).click();
    await card.locator('.steps').getByText('Canceled').waitFor();
    await card.locator('dd.bridge-state', { hasText: /^Connected$/ }).waitFor();
    expect(lastRedirect(rig.control, caller.callSid)).toBe(`${rig.tg.baseUrl}/voice/bridge/rejoin?bridge=${bridgeId}`);
    await caller.start(lastRedirect(rig.control, caller.callSid));
    expect(caller.twiml).toContain(`>bridge-${bridgeId}</Conference>`);
    expect((await auditEntries(rig)).map((e) => e.action)).toContain('cancel');
  });

  it('does not sign in with a wrong key, and audits the failure', async () => {
    await signIn(page, rig, 'not-the-key-0123456789abcdef');
    await page.getByRole('alert').getByText('That key is not valid.').waitFor();
    expect(await page.locator('#bridges').count()).toBe(0);
    const events = await page.request.get(`${rig.tg.baseUrl}/panel/events`);
    expect(events.status()).toBe(401);
    expect((await auditEntries(rig)).map((e) => `${e.action}:${e.result}:${e.actor}`)).toEqual(['sign-in:wrong_key:anonymous']);
    expect(rig.tg.logLines.join('\n')).not.toContain('not-the-key-0123456789abcdef');
  });
});
