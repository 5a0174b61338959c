import cards from '../../fixtures/test-cards.json';
import { STORE_KINDS, startTestGateway, type TestGateway } from '../../support/harness';
import { startConnectorReceiver, type ConnectorReceiver } from '../../support/connectorReceiver';
import { startFakeStripe, type FakeStripe } from '../../support/fakeStripe';
import { connectorEnv, stripeEnv } from '../../support/processorGateway';
import { DECLINE_PROMPTS, enterCard, enterPayCode, vaultKeys, type Card } from '../../support/voiceCalls';

const ALL = cards.cards as Card[];


interface Adapter {
  name: 'stripe' | 'connector';
  reference: RegExp;
  start(): Promise<{ env: Record<string, string>; close(): Promise<void>; charges(): number; refunds(): number }>;
}

const ADAPTERS: Adapter[] = [
  {
    name: 'stripe',
    reference: /^pi_[0-9a-f]{24}$/,
    async start() {
      const fake: FakeStripe = await startFakeStripe();
      return {
        env: stripeEnv(fake),
        close: () => fake.close(),
        charges: () => [...fake.intents.values()].filter((i) => i.status === 'succeeded').length,
        refunds: () => fake.refunds.size,
      };
    },
  },
  {
    name: 'connector',
    reference: /^ch_[0-9a-f]{12}$/,
    async start() {
      const receiver: ConnectorReceiver = await startConnectorReceiver();
      return {
        env: connectorEnv(receiver),
        close: () => receiver.close(),
        charges: () => receiver.charged.size,
        refunds: () => receiver.refunded.size,
      };
    },
  },
];

const CASES = ADAPTERS.flatMap((adapter) => STORE_KINDS.map((kind) => [adapter.name, kind, adapter] as const));

describe.each(CASES)('every test card over the phone through the %s adapter (%s store)', (_name, kind, adapter) => {
  let tg: TestGateway;
  let processor: Awaited<ReturnType<Adapter['start']>>;

  beforeAll(async () => {
    processor = await adapter.start();
    tg = await startTestGateway(kind, { env: processor.env });
  });
  afterAll(async () => {
    await tg.close();
    await processor.close();
  });

  it('reports the configured processor in /readyz', async () => {
    const res = await fetch(`${tg.gateway.url}/readyz`);
    expect(await res.json()).toEqual({ status: 'ready', store: 'ok', processor: adapter.name });
  });

  it.each(ALL.map((c) => [c.number, c.outcome, c] as const))('the card %s ends %s', async (_number, outcome, card) => {
    const payment = await tg.createPayment();
    const call = tg.call();
    await enterPayCode(call, payment.payCode);
    await enterCard(call, card.number, card.brand);
    const chargesBefore = processor.charges();
    await call.press('1');

    if (outcome === 'succeeded') {
      const view = await tg.getPayment(payment.id);
      expect(view).toMatchObject({ status: 'succeeded', failure: null, card: { last4: card.number.slice(-4) } });
      // The caller hears the gateway's short reference, never the processor's id.
      expect(view.processorReference).toMatch(adapter.reference);
      expect(view.reference).toMatch(/^[1-9][0-9]{7}$/);
      const [first, second] = [view.reference.slice(0, 4), view.reference.slice(4)].map((g: string) => g.split('').join(', '));
      expect(call.saysText()).toContain(`${first}. ${second}`);
      expect(call.saysText()).not.toContain(view.processorReference.split('').join(', '));
      expect(processor.charges()).toBe(chargesBefore + 1);
    } else {
      expect(call.saysText()).toContain(DECLINE_PROMPTS[outcome]);
      expect(await call.hangUp()).toBe(204);
      expect(await tg.getPayment(payment.id)).toMatchObject({ status: 'failed', reference: null, processorReference: null, failure: { code: outcome } });
      expect(processor.charges()).toBe(chargesBefore);
    }
    expect(await vaultKeys(tg, payment.id)).toEqual([]);
  });

  it('refunds a phone payment through the API, in two parts, and never past the amount', async () => {
    const payment = await tg.createPayment({ amount: '20.00' });
    const call = tg.call();
    await enterPayCode(call, payment.payCode);
    await enterCard(call, '4242424242424242', 'visa');
    await call.press('1');
    const refundsBefore = processor.refunds();

    const part = await tg.api('POST', `/api/payments/${payment.id}/refunds`, { amount: '5.00' }, { 'idempotency-key': `${payment.id}-a` });
    expect(part.status).toBe(201);
    expect(part.body).toMatchObject({ paymentId: payment.id, amount: '5.00', currency: 'USD', status: 'succeeded', reference: expect.any(String) });
    const rest = await tg.api('POST', `/api/payments/${payment.id}/refunds`, {}, { 'idempotency-key': `${payment.id}-b` });
    expect(rest.body).toMatchObject({ amount: '15.00', status: 'succeeded' });
    const more = await tg.api('POST', `/api/payments/${payment.id}/refunds`, { amount: '0.01' });
    expect(more.status).toBe(409);
    expect(processor.refunds()).toBe(refundsBefore + 2);
    expect(await tg.getPayment(payment.id)).toMatchObject({ amountRefunded: '20.00', refunds: [{ amount: '5.00' }, { amount: '15.00' }] });
  });

  it('writes no card number into any log line, response or stored value', async () => {
    const haystack = [...tg.logLines, ...tg.responses, ...(await tg.rawRedisValues())].join('\n');
    for (const card of ALL) expect(haystack).not.toContain(card.number);
  });
});
