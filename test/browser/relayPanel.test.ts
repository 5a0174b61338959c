/**
 * The agent panel in chromium on a relayed call: the agent stays on the line, starts the capture, asks
 * for each field and charges, while the Twilio-shaped server plays the caller's keys as tones into the
 * caller's stream. The panel shows only masked steps.
 */
import type { Locator, Page } from 'playwright-core';
import { useBrowserPage } from '../support/browser';
import { eventually } from '../support/eventually';
import { signInToPanel } from '../support/panelPage';
import { DEADLINE_MS, ringBridge, startRelayRig, typeTones, type RelayRig, type RelayedCall } from '../support/relayCalls';

jest.setTimeout(120_000);

const VISA = '4242424242424242';

let rig: RelayRig;
let page: Page;

useBrowserPage((opened) => (page = opened));
beforeEach(async () => {
  rig = await startRelayRig('redis');
});
afterEach(async () => {
  await rig?.close();
});

/** Signs an agent in on the panel, rings the bridge, starts a capture: answers the call's card and the call. */
async function startCapture(amount: string): Promise<{ card: Locator; call: RelayedCall }> {
  await signInToPanel(page, rig.panelRig, 'ana');
  const call = await ringBridge(rig);
  const card = page.locator(`li.bridge[data-bridge="${call.bridgeId}"]`);
  await card.getByLabel('Amount').fill(amount);
  await card.getByRole('button', { name: 'Start card capture' }).click();
  await card.locator('.guide').waitFor({ timeout: DEADLINE_MS });
  return { card, call };
}

/** The agent presses a guide button once the capture opens it, and the panel then waits for that field. */
async function ask(card: Locator, button: string, field: string): Promise<void> {
  const ask = card.getByRole('button', { name: button });
  await expectEnabled(ask);
  await ask.click();
  await step(card, `Waiting for the caller to type the ${field}`);
}

/** Waits for a button the capture opens (the panel disables the guide buttons it does not take now). */
async function expectEnabled(button: Locator): Promise<void> {
  await eventually(() => button.isEnabled(), DEADLINE_MS, 'the button to be enabled');
}

function step(card: Locator, text: string | RegExp): Promise<void> {
  return card.locator('ul.steps li', { hasText: text }).first().waitFor({ timeout: DEADLINE_MS });
}

it('shows the masked steps of a relayed capture, charges on "Charge" and shows the reference', async () => {
  const { card, call } = await startCapture('47.50');

  await ask(card, 'Ask for the card number', 'card number');
  // Before the finish key the panel counts the keys, and shows none of them.
  await typeTones(call.callerLeg, VISA, 30);
  await card.locator('p.typing', { hasText: 'Card number: typing… 16 keys' }).waitFor({ timeout: DEADLINE_MS });
  expect(await page.content()).not.toContain(VISA.slice(4));
  await typeTones(call.callerLeg, '#', 30);
  await step(card, 'Visa •••• 4242 — valid');
  await card.locator('p.typing').waitFor({ state: 'hidden', timeout: DEADLINE_MS });

  await ask(card, 'Ask for the expiry', 'expiry date');
  await typeTones(call.callerLeg, '1230#', 30);
  await step(card, 'Expiry ✓');
  await ask(card, 'Ask for the security code', 'security code');
  await typeTones(call.callerLeg, '123#', 30);
  await step(card, 'Security code ✓');

  await step(card, /^Ready: read 47\.50 USD and the last 4 to the caller, then press Charge$/);
  const charge = card.getByRole('button', { name: 'Charge' });
  await expectEnabled(charge);
  await charge.click();
  const paymentId = (await rig.tg.gateway.bridges.get(call.bridgeId))!.paymentId!;
  const reference = await eventually(async () => (await rig.tg.getPayment(paymentId)).reference as string | null, DEADLINE_MS, 'the reference');
  await card.locator('dd.payment-status', { hasText: `Approved — reference ${reference}` }).waitFor({ timeout: DEADLINE_MS });
  expect(await rig.tg.getPayment(paymentId)).toMatchObject({ status: 'succeeded', card: { brand: 'visa', last4: '4242' } });
  expect(await page.content()).not.toMatch(/424242424242|1230/);
});

it('lets the agent ask for the expiry again after a mistake, in words they can say', async () => {
  const { card, call } = await startCapture('12.00');
  await ask(card, 'Ask for the card number', 'card number');
  await typeTones(call.callerLeg, `${VISA}#`, 30);
  await step(card, 'Visa •••• 4242 — valid');

  await ask(card, 'Ask for the expiry', 'expiry date');
  await typeTones(call.callerLeg, '1330#', 30);
  await step(card, 'That is not a valid month');
  await ask(card, 'Ask for the expiry', 'expiry date');
  await typeTones(call.callerLeg, '1230#', 30);
  await step(card, 'Expiry ✓');
  const paymentId = (await rig.tg.gateway.bridges.get(call.bridgeId))!.paymentId!;
  expect(await rig.tg.getPayment(paymentId)).toMatchObject({ status: 'capturing', expiryCaptured: true });
});

it('says so when the caller’s socket drops mid-capture', async () => {
  const { card, call } = await startCapture('12.00');
  await ask(card, 'Ask for the card number', 'card number');
  await typeTones(call.callerLeg, `${VISA}#`, 30);
  await step(card, 'Visa •••• 4242 — valid');
  await ask(card, 'Ask for the expiry', 'expiry date');
  await typeTones(call.callerLeg, '12', 30);

  call.callerLeg.drop();
  await card.locator('p.error', { hasText: 'The caller’s audio stream dropped: any card capture ended and nothing typed was kept.' }).waitFor({ timeout: DEADLINE_MS });
  const paymentId = (await rig.tg.gateway.bridges.get(call.bridgeId))!.paymentId!;
  expect(await rig.tg.getPayment(paymentId)).toMatchObject({ status: 'failed', failure: { code: 'caller_line_dropped' } });
  // The gateway then ends the agent's call, whose status callback follows: the panel still says why.
  await call.agentCall.ended;
  const lastError = () => rig.events.filter((e) => e.type === 'bridge' && e.bridgeId === call.bridgeId).at(-1);
  await eventually(async () => (await card.locator('p.error').textContent()) === (lastError() as { error: string | null }).error, DEADLINE_MS, 'the panel to draw the last bridge event');
  expect(await card.locator('p.error').textContent()).toBe('The caller’s audio stream dropped: any card capture ended and nothing typed was kept.');
  // The call is over: the card does not claim it is connected, nor offer a new capture on it.
  expect(await card.locator('dd.bridge-state').textContent()).toBe('Call dropped');
  expect(await card.locator('.start-capture').isHidden()).toBe(true);
});
