import type { TestCall, TestGateway } from '../../support/harness';
import type { ConnectorReceiver } from '../../support/connectorReceiver';
import type { FakeStripe } from '../../support/fakeStripe';
import { leaksIn, postalCodeSecrets } from '../../support/leakScan';
import { POSTAL_CODES, postalCodeFlowsDir } from '../../support/postalCodeFlows';
import { enterPayCode, vaultKeys } from '../../support/voiceCalls';
import { ManualClock } from '../../support/payLinks';
import { useConnectorGateway, useStripeGateway } from '../../support/processorGateway';

const VISA = '4242424242424242';
/** The gateway's hold limit for a charge without an answer. */
const HOLD_LIMIT_SECONDS = 45;
const INCORRECT_ZIP_PROMPT = 'Sorry, the postal code did not match the billing address of your card';

/** A whole call up to the processor's answer, with the given ZIP code; the caller then presses 2 on a decline. */
async function payWithZip(tg: TestGateway, zip: string): Promise<{ id: string; call: TestCall }> {
  const payment = await tg.createPayment();
  const call = tg.call();
  await enterPayCode(call, payment.payCode);
  for (const keys of [`${VISA}#`, '1230', '123', zip, '1']) await call.press(keys);
  return { id: payment.id, call };
}

describe('the billing ZIP code through the Stripe adapter, against the Stripe-shaped server', () => {
  const flows = postalCodeFlowsDir({ country: 'US' });
  let fake: FakeStripe;
  let tg: TestGateway;
  useStripeGateway('memory', { env: { FLOWS_DIR: flows.dir } }, (opened) => ({ fake, tg } = opened));
  afterAll(() => flows.remove());

  it('puts the ZIP code on the PaymentMethod for the address check and reads the check from the expanded charge', async () => {
    fake.requests.length = 0;
    const { id } = await payWithZip(tg, POSTAL_CODES.passes);
    expect((await tg.getPayment(id)).status).toBe('succeeded');
    const [pm, pi] = fake.requests;
    expect(pm!.form['billing_details[address][postal_code]']).toBe(POSTAL_CODES.passes);
    expect(pi!.form['expand[0]']).toBe('latest_charge');
    // The PaymentIntent carries no card data, the postal code included.
    expect(pi!.raw).not.toContain(POSTAL_CODES.passes);
  });

  it('declines a charge Stripe approved but whose postal code check failed with incorrect_zip, and refunds it in full', async () => {
    fake.requests.length = 0;
    const { id, call } = await payWithZip(tg, POSTAL_CODES.fails);
    expect(call.saysText()).toContain(INCORRECT_ZIP_PROMPT);
    await call.press('2');
    expect(await tg.getPayment(id)).toMatchObject({ status: 'failed', reference: null, failure: { code: 'incorrect_zip' } });

    // A succeeded PaymentIntent cannot be canceled: the money goes back by a full refund, once.
    const refundRequests = fake.requests.filter((r) => r.path === '/v1/refunds');
    expect(refundRequests).toHaveLength(1);
    const intentId = refundRequests[0]!.form.payment_intent!;
    expect(refundRequests[0]!.form['metadata[payment_id]']).toBe(id);
    expect(refundRequests[0]!.headers['idempotency-key']).toBe(`${id}-charge-1-zip-refund`);
    expect(fake.intents.get(intentId)).toMatchObject({ amount: 1234, status: 'succeeded' });
    expect([...fake.refunds.values()].filter((r) => r.payment_intent === intentId)).toEqual([{ amount: 1234, payment_intent: intentId }]);
    expect(await vaultKeys(tg, id)).toEqual([]);
    for (const text of [...tg.logLines, ...tg.responses]) expect(leaksIn(text, postalCodeSecrets(Object.values(POSTAL_CODES)))).toEqual([]);
  });
});

describe('the billing ZIP code through the HTTPS connector', () => {
  const flows = postalCodeFlowsDir({ country: 'US' });
  let receiver: ConnectorReceiver;
  let tg: TestGateway;
  useConnectorGateway('redis', { env: { FLOWS_DIR: flows.dir } }, (opened) => ({ receiver, tg } = opened));
  afterAll(() => flows.remove());

  it('sends the ZIP code as card.postalCode, and a receiver that fails the check is heard as incorrect_zip with nothing charged', async () => {
    const good = await payWithZip(tg, POSTAL_CODES.passes);
    expect((await tg.getPayment(good.id)).status).toBe('succeeded');
    expect(receiver.received.at(-1)!.body.card).toEqual({ number: VISA, expMonth: 12, expYear: 2030, securityCode: '123', postalCode: POSTAL_CODES.passes });

    const charged = receiver.charged.size;
    const bad = await payWithZip(tg, POSTAL_CODES.fails);
    expect(bad.call.saysText()).toContain(INCORRECT_ZIP_PROMPT);
    expect(await bad.call.hangUp()).toBe(204);
    expect(await tg.getPayment(bad.id)).toMatchObject({ status: 'failed', failure: { code: 'incorrect_zip' } });
    expect(receiver.charged.size).toBe(charged);
    expect(await vaultKeys(tg, bad.id)).toEqual([]);
  });
});

describe('the billing ZIP code of a Stripe charge whose answer was lost, settled by the pending-charge look-up', () => {
  const flows = postalCodeFlowsDir({ country: 'US' });
  const clock = new ManualClock();
  let fake: FakeStripe;
  let tg: TestGateway;
  useStripeGateway('memory', { clock, env: { FLOWS_DIR: flows.dir, PROCESSOR_TIMEOUT_MS: '200', RECONCILE_INTERVAL_MS: '100' } }, (opened) => ({ fake, tg } = opened));
  afterAll(() => flows.remove());

  it('refunds the approved charge in full, and the caller hears incorrect_zip and the payment fails with it, not succeeded', async () => {
    fake.requests.length = 0;
    // Stripe approves the charge (its postal check failing) but the answer never reaches the gateway.
    fake.loseAnswers('/v1/payment_intents', 1);
    const { id, call } = await payWithZip(tg, POSTAL_CODES.fails);
    await call.followRedirect();
    expect(call.saysText()).toContain('still being processed');
    // Past the hold limit the gateway asks Stripe what became of the charge: found approved with the
    // postal check failed, it is reversed, and the caller hears the decline as from a charge's answer.
    clock.advance(HOLD_LIMIT_SECONDS);
    await call.followRedirect();
    expect(call.saysText()).toContain(INCORRECT_ZIP_PROMPT);
    await call.press('2');
    expect(await tg.getPayment(id)).toMatchObject({ status: 'failed', reference: null, failure: { code: 'incorrect_zip' } });
    const searches = fake.requests.filter((r) => r.path === '/v1/payment_intents/search');
    expect(searches.length).toBeGreaterThan(0);
    const refundRequests = fake.requests.filter((r) => r.path === '/v1/refunds');
    expect(refundRequests.map((r) => r.headers['idempotency-key'])).toEqual([`${id}-charge-1-zip-refund`]);
    const intentId = refundRequests[0]!.form.payment_intent!;
    expect([...fake.refunds.values()].filter((r) => r.payment_intent === intentId)).toEqual([{ amount: 1234, payment_intent: intentId }]);
    expect(await vaultKeys(tg, id)).toEqual([]);
    for (const text of [...tg.logLines, ...tg.responses]) expect(leaksIn(text, postalCodeSecrets(Object.values(POSTAL_CODES)))).toEqual([]);
  });
});
