import type { Page } from 'playwright-core';
import { eventually } from '../support/eventually';
import { lastRedirect, openBridge, redirectCount, startBridgeRig, type BridgeRig } from '../support/bridgeCalls';
import { useBrowserPage } from '../support/browser';
import { signInToPanel } from '../support/panelPage';

jest.setTimeout(60_000);

describe('the agent panel in a browser', () => {
  let rig: BridgeRig;
  let page: Page;
  useBrowserPage((opened) => (page = opened));
  beforeEach(async () => {
    rig = await startBridgeRig('redis');
  });
  afterEach(async () => {
    await rig.close();
  });

  it("names the call by the caller's number, ticks its duration, names the agent, and shows a decline and an approval the moment they happen", async () => {
    const caller = rig.tg.call();
    const bridgeId = await openBridge(rig, caller);
    // The page's clock is ours to move: the duration must follow it without a reload.
    await page.clock.install();
    await signInToPanel(page, rig, 'alice');

    const card = page.locator(`li.bridge[data-bridge="${bridgeId}"]`);
    // The harness calls from +15005550006.
    await card.getByRole('heading', { name: 'Call from +1 500 555 0006' }).waitFor();
    await card.locator('dd.duration', { hasText: /^0:0\d$/ }).waitFor();
    await page.clock.fastForward(65_000);
    await card.locator('dd.duration', { hasText: /^1:0\d$/ }).waitFor();
    await card.locator('dd.agent', { hasText: /^Nobody yet$/ }).waitFor();

    await card.getByLabel('Amount').fill('20.00');
    await card.getByRole('button', { name: 'Start card capture' }).click();
    await card.locator('dd.agent', { hasText: /^You \(alice\)$/ }).waitFor();
    await card.locator('dd.bridge-state', { hasText: /^Caller entering card details/ }).waitFor();
    await caller.start(lastRedirect(rig.control, caller.callSid));
    const enterCard = async (number: string) => {
      await caller.press(`${number}#`);
      await card.getByRole('button', { name: 'Continue' }).click();
      await eventually(async () => (await caller.followRedirect(), caller.saysText().includes('expir')), 5000, 'the caller to be asked for the expiry');
      await caller.press('1230');
      await caller.press('123');
      await caller.press('1');
    };

    await enterCard('4000000000009995');
    // The caller now hears "try another card?": no further turn is needed for the agent to know why.
    await card.locator('dd.payment-status', { hasText: /^Declined — insufficient funds/ }).waitFor();
    // The agent's Continue already moved the caller once: wait for the move that Try again makes.
    const movesBefore = redirectCount(rig.control, caller.callSid);
    await card.getByRole('button', { name: 'Try again' }).click();
    await eventually(async () => redirectCount(rig.control, caller.callSid) > movesBefore, 5000, 'the caller to be moved back to the card number');
    await caller.start(lastRedirect(rig.control, caller.callSid));

    await enterCard('4242424242424242');
    // The caller is at "press 1 to hear the reference again", and the payment has succeeded.
    expect(caller.saysText()).toContain('reference');
    const reference = (await rig.tg.getPayment((await rig.tg.gateway.bridges.get(bridgeId))!.paymentId!)).reference as string;
    await card.locator('dd.payment-status', { hasText: `Approved — reference ${reference}` }).waitFor();
    await card.locator('dd.bridge-state', { hasText: /^Payment approved/ }).waitFor();
    await card.getByRole('heading', { name: 'Call from +1 500 555 0006' }).waitFor();
  });
});
