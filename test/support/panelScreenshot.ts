/**
 * Takes the README's screenshot of the agent panel: one call waiting for the agent to confirm the card
 * number, one ready to take a payment. Run: npx ts-node --transpile-only test/browser/panelScreenshot.ts
 */
import { join } from 'node:path';
import { lastRedirect, startBridgeRig } from './bridgeCalls';
import { eventually } from './eventually';
import { launchChromium } from './browser';
import { signInToPanel } from './panelPage';

async function main(): Promise<void> {
  const rig = await startBridgeRig('memory');
  const browser = await launchChromium();
  try {
    const bridgeOf = async (from: string) => {
      const caller = rig.tg.call();
      await caller.post(`${rig.tg.baseUrl}/voice/bridge`, { From: from });
      const bridge = await rig.tg.gateway.bridges.findByCall(caller.callSid);
      await eventually(async () => (await rig.tg.gateway.bridges.get(bridge!.id))?.state === 'connected', 3000, 'the agent to join');
      return { caller, id: bridge!.id };
    };
    const busy = await bridgeOf('+14155550100');
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 }, deviceScaleFactor: 1 });
    await signInToPanel(page, rig, 'alice');
    const card = page.locator(`li.bridge[data-bridge="${busy.id}"]`);
    await card.getByLabel('Amount').fill('184.50');
    await card.getByRole('button', { name: 'Start card capture' }).click();
    await card.locator('dd.bridge-state', { hasText: /^Caller entering card details/ }).waitFor();
    await busy.caller.start(lastRedirect(rig.control, busy.caller.callSid));
    await busy.caller.press('4242424242424242#');
    await card.getByText('Visa •••• 4242 — valid, waiting for you').waitFor();
    await bridgeOf('+442071838750');
    await page.locator('li.bridge').nth(1).waitFor();
    await page.screenshot({ path: join(__dirname, '../../docs/agent-panel.png') });
    console.log('docs/agent-panel.png');
  } finally {
    await browser.close();
    await rig.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
