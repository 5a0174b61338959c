/** The agent panel in a browser page. */
import type { Page } from 'playwright-core';
import { addAgent, type BridgeRig } from './bridgeCalls';

/** Adds an agent named `name`, opens the panel on the page and signs in with its key; resolves once the panel names the agent. */
export async function signInToPanel(page: Page, rig: BridgeRig, name: string): Promise<void> {
  await page.goto(`${rig.tg.baseUrl}/panel`);
  await page.getByLabel('Agent key').fill(await addAgent(rig, name));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('header .who', { hasText: `Signed in as ${name}` }).waitFor();
}
