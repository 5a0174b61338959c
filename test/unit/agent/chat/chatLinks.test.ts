import { MemoryEventBus } from '../../../../src/adapters/eventBus/memoryEventBus';
import { MemoryStore } from '../../../../src/adapters/store/memoryStore';
import { ChatLinks } from '../../../../src/agent/chat/chatLinks';
import { aPayment } from '../../../support/paymentRecords';
import type { PaymentEvent } from '../../../../src/core/payments/paymentEvents';
import type { PayLinkService } from '../../../../src/links';
import { createLogger } from '../../../../src/observability/logger';
import type { GatewayEvent } from '../../../../src/ports/eventBus';

const NOW = new Date('2026-01-01T00:05:00.000Z');
const pending = aPayment({
  amount: '42.50',
  amountMinor: 4250,
  channel: 'link',
  description: 'Order 7781',
  flowId: 'web',
  expiresAt: '2026-01-01T00:15:00.000Z',
});

function rig() {
  const store = new MemoryStore();
  const bus = new MemoryEventBus();
  const published: GatewayEvent[] = [];
  bus.subscribe((e) => published.push(e));
  const links = { createForChat: async () => ({ payment: pending, payUrl: 'https://pay.example/pay/TOKEN' }) } as unknown as PayLinkService;
  const chat = new ChatLinks({
    links,
    checkPayment: (f) => ({ ok: true, payment: { amount: String(f.amount), amountMinor: 4250, currency: 'USD', description: 'Order 7781' } }),
    store,
    events: bus,
    clock: { now: () => NOW },
    logger: createLogger({ silent: true }),
    retentionSeconds: 60,
  });
  return { store, bus, published, chat };
}
const event = (type: PaymentEvent['type']): PaymentEvent[] => [{ type, sequence: 1, refundId: null }];

describe("the panel's chat links", () => {
  it("tells the maker's panels each step in words, masked, until the end", async () => {
    const { chat, published, store } = rig();
    const made = await chat.create({ amount: '42.50', currency: 'USD', description: 'Order 7781', email: '' }, 'carol');
    expect(made).toMatchObject({ ok: true, paymentId: pending.id, link: { agent: 'carol', summary: 'Waiting for the customer', final: false } });
    const card = { brand: 'visa' as const, last4: '4242' };
    await chat.committed({ ...pending, status: 'processing', card }, event('payment.processing'));
    await chat.committed({ ...pending, status: 'succeeded', card, reference: 'R-1' }, event('payment.succeeded'));
    const links = published.filter((e) => e.type === 'link');
    expect(links.map((e) => [e.summary, e.lines, e.final])).toEqual([
      ['Waiting for the customer', [], false],
      ['Processing…', ['Visa •••• 4242 valid', 'Processing…'], false],
      ['Success, reference R-1', ['Visa •••• 4242 valid'], true],
    ]);
    expect(JSON.stringify(published)).not.toContain('TOKEN');
    await store.close();
  });

  it('says when the link expired, was declined or canceled', async () => {
    const { chat, published, store } = rig();
    await chat.create({ amount: '42.50', currency: 'USD', description: undefined, email: undefined }, 'carol');
    await chat.committed({ ...pending, expiryAnnounced: true }, event('payment.expired'));
    await chat.committed({ ...pending, status: 'failed', failure: { code: 'insufficient_funds', message: 'x' } }, event('payment.failed'));
    await chat.committed({ ...pending, status: 'canceled' }, event('payment.canceled'));
    expect(published.slice(1).map((e) => (e.type === 'link' ? [e.status, e.summary, e.final] : null))).toEqual([
      ['expired', 'Expired: the link no longer works', true],
      ['failed', 'Failed — insufficient funds', true],
      ['canceled', 'Canceled', true],
    ]);
    await store.close();
  });

  it('publishes nothing for payments no agent made on the panel, nor for phone payments', async () => {
    const { chat, published, store } = rig();
    await chat.committed({ ...pending, id: 'pay_fromtheapi00' }, event('payment.capturing'));
    await chat.committed({ ...pending, channel: 'phone' }, event('payment.capturing'));
    expect(published).toEqual([]);
    await store.close();
  });

  it('passes a refusal of the fields on, naming the field', async () => {
    const { store, bus } = rig();
    const chat = new ChatLinks({
      links: {} as PayLinkService,
      checkPayment: () => ({ ok: false, code: 'invalid_amount', field: 'amount', message: 'amount: must be greater than zero' }),
      store,
      events: bus,
      clock: { now: () => NOW },
      logger: createLogger({ silent: true }),
      retentionSeconds: 60,
    });
    expect(await chat.create({ amount: '0', currency: 'USD', description: undefined, email: undefined }, 'carol')).toEqual({
      ok: false,
      code: 'invalid_amount',
      field: 'amount',
      message: 'amount: must be greater than zero',
    });
    await store.close();
  });
});
