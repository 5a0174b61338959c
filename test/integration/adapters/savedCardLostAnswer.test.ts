import type { TestCall, TestGateway } from '../../support/harness';
import type { FakeStripe } from '../../support/fakeStripe';
import { CONNECTOR_SECRET, startConnectorReceiver, type ConnectorReceiver } from '../../support/connectorReceiver';
import { enterPayCode, vaultKeys } from '../../support/voiceCalls';
import { ManualClock } from '../../support/payLinks';
import { eventually } from '../../support/eventually';
import { leaksIn } from '../../support/leakScan';
import { HttpsConnector } from '../../../src/adapters/processors/httpsConnector';
import { SandboxProcessor } from '../../../src/adapters/processors/sandboxProcessor';
import { AesGcmVault } from '../../../src/adapters/vault/aesGcmVault';
import { MemoryStore } from '../../../src/adapters/store/memoryStore';
import { useStripeGateway } from '../../support/processorGateway';

const VISA = '4242424242424242';
const DECLINED = '4000000000000002';
/** The gateway's hold limit for a charge (or a save) without an answer. */
const HOLD_LIMIT_SECONDS = 45;

/** A save_card call up to the processor's answer: pay code, the card, "press 1 to save". */
async function saveOnCall(tg: TestGateway, number: string): Promise<{ id: string; call: TestCall }> {
  const created = await tg.createPayment({ intent: 'save_card', amount: undefined, currency: undefined });
  const call = tg.call();
  await enterPayCode(call, created.payCode);
  for (const keys of [`${number}#`, '1230', '123', '1']) await call.press(keys);
  return { id: created.id, call };
}

describe('a Stripe save whose answer was lost is looked up by the pending-charge ledger, and nothing is made twice', () => {
  const clock = new ManualClock();
  let fake: FakeStripe;
  let tg: TestGateway;
  useStripeGateway('redis', { clock, env: { PROCESSOR_TIMEOUT_MS: '200', RECONCILE_INTERVAL_MS: '100' } }, (opened) => ({ fake, tg } = opened));

  it('the caller holding hears the card was saved, with the one customer and SetupIntent Stripe made', async () => {
    // Stripe saves the card (customer, PaymentMethod, SetupIntent) but the SetupIntent's answer never arrives.
    fake.loseAnswers('/v1/setup_intents', 1);
    const { id, call } = await saveOnCall(tg, VISA);
    expect(call.saysText()).toContain('Please hold');
    // Past the hold limit the gateway asks Stripe what became of the save.
    clock.advance(HOLD_LIMIT_SECONDS);
    const payment = await eventually(async () => {
      const p = await tg.getPayment(id);
      return p.status === 'succeeded' && p;
    }, 10_000, 'the save to be found by the look-up');
    await call.followRedirect();
    expect(call.saysText()).toContain('Your card has been saved');

    expect([...fake.customers.values()]).toHaveLength(1);
    expect([...fake.setupIntents.values()]).toHaveLength(1);
    const method = (await tg.api('GET', `/api/payment-methods/${payment.paymentMethod}`)).body;
    const [setup] = [...fake.setupIntents.values()];
    expect(method).toMatchObject({ processor: 'stripe', expMonth: 12, expYear: 2030, card: { last4: '4242' }, processorIds: { customer: setup!.customer, paymentMethod: setup!.payment_method } });
    // The look-up found the customer by the attempt's key and created nothing.
    expect(fake.requests.filter((r) => r.method === 'GET').map((r) => r.path)).toEqual(expect.arrayContaining(['/v1/customers/search', '/v1/setup_intents']));
    expect(fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/customers')).toHaveLength(1);
    expect(fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/setup_intents')).toHaveLength(1);
    expect(await vaultKeys(tg, id)).toEqual([]);

    // And the card it found charges as any saved card does.
    const charged = await tg.api('POST', '/api/payments', { amount: '3.00', currency: 'USD', paymentMethod: payment.paymentMethod });
    expect(charged.body).toMatchObject({ status: 'succeeded', processorReference: expect.stringMatching(/^pi_/) });
  });

  it('a caller who hung up meanwhile gets the save settled on the payment', async () => {
    fake.loseAnswers('/v1/setup_intents', 1);
    const customersBefore = fake.customers.size;
    const { id, call } = await saveOnCall(tg, VISA);
    expect(await call.hangUp()).toBe(204);
    const now = await tg.getPayment(id);
    expect(now.status).toBe('processing');
    clock.advance(HOLD_LIMIT_SECONDS);
    const payment = await eventually(async () => {
      const p = await tg.getPayment(id);
      return p.status === 'succeeded' && p;
    }, 10_000, 'the save to be settled on the payment');
    expect(payment).toMatchObject({ intent: 'save_card', paymentMethod: `pm_gw_${payment.reference}`, card: { last4: '4242' } });
    expect((await tg.api('GET', `/api/payment-methods/${payment.paymentMethod}`)).status).toBe(200);
    expect(fake.customers.size).toBe(customersBefore + 1);
  });

  it('a save Stripe refused, whose answer was lost, is found declined and saves nothing', async () => {
    fake.loseAnswers('/v1/setup_intents', 1);
    const { id, call } = await saveOnCall(tg, DECLINED);
    clock.advance(HOLD_LIMIT_SECONDS);
    await eventually(async () => (await tg.getPayment(id)).status !== 'processing', 10_000, 'the refused save to be found');
    await call.followRedirect();
    expect(call.saysText()).toMatch(/declined/i);
    expect(await tg.getPayment(id)).toMatchObject({ paymentMethod: null });
  });

  it('leaks no card data into answers or logs', () => {
    expect(leaksIn(tg.responses.join('\n') + tg.logLines.join('\n'), [VISA, DECLINED])).toEqual([]);
  });
});

describe("the look-up of a lost save, for the connector and the sandbox", () => {
  let receiver: ConnectorReceiver;
  const store = new MemoryStore();
  const vault = new AesGcmVault(store, Buffer.alloc(32, 9), { ttlSeconds: 600 });

  beforeAll(async () => {
    receiver = await startConnectorReceiver();
  });
  afterAll(async () => {
    await receiver.close();
    await store.close();
  });

  async function tokenFor(paymentId: string, number = VISA): Promise<string> {
    return vault.issueToken(paymentId, {
      cardNumber: await vault.put(paymentId, 'cardNumber', number),
      expiry: await vault.put(paymentId, 'expiry', '1230'),
      securityCode: await vault.put(paymentId, 'securityCode', '123'),
    });
  }

  it('the connector asks with a signed status request (no card data) and gets the tokenize answer back', async () => {
    const connector = new HttpsConnector(vault, { url: receiver.url, secret: CONNECTOR_SECRET, timeoutMs: 2000 });
    const ask = { paymentId: 'pay_lostsave0001', idempotencyKey: 'pay_lostsave0001-charge-1' };
    expect(await connector.lookUpSave(ask)).toEqual({ outcome: 'unknown' });
    const saved = await connector.saveCard({ token: await tokenFor(ask.paymentId), ...ask });
    expect(await connector.lookUpSave(ask)).toEqual(saved);
    const status = receiver.received.at(-1)!;
    expect(status.body).toEqual({ type: 'status', payment: { id: ask.paymentId }, idempotencyKey: ask.idempotencyKey });
    expect(status.signature).toEqual({ ok: true });
  });

  it('the sandbox answers the save it kept for the key, and unknown for one it never took', async () => {
    const sandbox = new SandboxProcessor(vault, store, { tokenSecret: Buffer.from('sandbox-token-secret-0123456789abcdef') });
    const ask = { paymentId: 'pay_lostsave0002', idempotencyKey: 'pay_lostsave0002-charge-1' };
    expect(await sandbox.lookUpSave(ask)).toEqual({ outcome: 'unknown' });
    const saved = await sandbox.saveCard({ token: await tokenFor(ask.paymentId), ...ask });
    expect(saved.outcome).toBe('saved');
    expect(await sandbox.lookUpSave(ask)).toEqual(saved);
  });
});
