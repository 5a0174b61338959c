import { MemoryStore } from '../../../../src/adapters/store/memoryStore';
import { PendingCharges, type PendingCharge } from '../../../../src/core/capture/pendingCharges';
import { attemptOf, ProcessorEventHandler } from '../../../../src/core/capture/processorEventHandler';
import type { Payment } from '../../../../src/core/payments/payment';
import { createLogger } from '../../../../src/observability/logger';
import type { ChargeResult } from '../../../../src/ports/processor';
import type { ProcessorEvent } from '../../../../src/ports/processorEvents';

const NOW = new Date('2026-03-01T12:00:00Z');
const APPROVED: ChargeResult = { outcome: 'approved', reference: 'pi_1' };

function harness(payment: Partial<Payment> | null) {
  const store = new MemoryStore();
  const pendingCharges = new PendingCharges(store);
  const settled: Array<{ charge: PendingCharge; result: ChargeResult }> = [];
  const changes: string[] = [];
  const handler = new ProcessorEventHandler({
    store,
    pendingCharges,
    getPayment: async (id) => (payment ? ({ id, status: 'processing', callSid: 'CA1', processorReference: null, ...payment } as Payment) : null),
    settle: async (charge, result) => {
      settled.push({ charge, result });
    },
    canceledAtProcessor: async (id, reference) => {
      changes.push(`canceled ${id} ${reference}`);
      return 'changed';
    },
    capturedAtProcessor: async (id, reference, units) => {
      changes.push(`captured ${id} ${reference} ${units}`);
      return 'changed';
    },
    clock: { now: () => NOW },
    logger: createLogger({ silent: true }),
  });
  const record = (attempt: number) =>
    pendingCharges.record({ paymentId: 'pay_1', callSid: 'CA1', attempt, idempotencyKey: `pay_1-charge-${attempt}`, since: NOW.toISOString(), dueAt: NOW.toISOString() });
  return { store, pendingCharges, handler, settled, changes, record };
}

function event(id: string, attempt: number, overrides: Partial<NonNullable<ProcessorEvent['charge']>> = {}): ProcessorEvent {
  return {
    id,
    type: 'payment_intent.succeeded',
    charge: { paymentId: 'pay_1', idempotencyKey: `pay_1-charge-${attempt}`, reference: 'pi_1', outcome: APPROVED, state: 'captured', capturedUnits: 1234, ...overrides },
  };
}

describe('ProcessorEventHandler', () => {
  it('settles the attempt’s pending charge through the settle path, then strikes it off the ledger', async () => {
    const h = harness({});
    await h.record(1);
    expect(await h.handler.handle(event('evt_1', 1))).toBe('settled');
    expect(h.settled).toEqual([{ charge: expect.objectContaining({ paymentId: 'pay_1', attempt: 1, callSid: 'CA1' }), result: APPROVED }]);
    expect(await h.pendingCharges.list()).toEqual([]);
  });

  it('answers an event id it has handled without doing anything again', async () => {
    const h = harness({});
    await h.record(1);
    await h.handler.handle(event('evt_1', 1));
    await h.record(1);
    expect(await h.handler.handle(event('evt_1', 1))).toBe('unchanged');
    expect(h.settled).toHaveLength(1);
  });

  it('never settles a processing payment with the answer of another attempt than the one the ledger holds', async () => {
    const h = harness({});
    await h.record(2);
    expect(await h.handler.handle(event('evt_old', 1, { outcome: { outcome: 'declined', code: 'card_declined', message: 'Declined.' } }))).toBe('unchanged');
    expect(h.settled).toEqual([]);
    expect((await h.pendingCharges.list()).map((e) => e.attempt)).toEqual([2]);
  });

  it('settles a processing payment the ledger holds nothing of (an off-session charge, attempt 0)', async () => {
    const h = harness({ callSid: null });
    expect(await h.handler.handle(event('evt_1', 0))).toBe('settled');
    expect(h.settled).toEqual([{ charge: expect.objectContaining({ paymentId: 'pay_1', attempt: 0, callSid: '' }), result: APPROVED }]);
  });

  it('leaves a payment no longer processing and without a pending entry alone', async () => {
    const h = harness({ status: 'failed' });
    expect(await h.handler.handle(event('evt_1', 1))).toBe('unchanged');
    expect(h.settled).toEqual([]);
  });

  it('does nothing while the processor has not decided', async () => {
    const h = harness({});
    await h.record(1);
    expect(await h.handler.handle(event('evt_1', 1, { outcome: { outcome: 'unknown' }, state: 'other' }))).toBe('unchanged');
    expect(h.settled).toEqual([]);
    expect(await h.pendingCharges.list()).toHaveLength(1);
  });

  it('cancels, or records as captured, only an authorised payment of that very intent', async () => {
    const mine = harness({ status: 'authorized', processorReference: 'pi_1' });
    expect(await mine.handler.handle(event('evt_c', 1, { state: 'canceled', outcome: { outcome: 'declined', code: 'card_declined', message: 'x' } }))).toBe('changed');
    expect(await mine.handler.handle(event('evt_s', 1, { state: 'captured', capturedUnits: 1000 }))).toBe('changed');
    expect(mine.changes).toEqual(['canceled pay_1 pi_1', 'captured pay_1 pi_1 1000']);

    const other = harness({ status: 'authorized', processorReference: 'pi_other' });
    expect(await other.handler.handle(event('evt_c', 1, { state: 'canceled', outcome: { outcome: 'declined', code: 'card_declined', message: 'x' } }))).toBe('unchanged');
    expect(other.changes).toEqual([]);
  });

  it('ignores events naming no charge, an unknown payment, or a key of another shape', async () => {
    expect(await harness({}).handler.handle({ id: 'evt_x', type: 'charge.refunded', charge: null })).toBe('ignored');
    expect(await harness(null).handler.handle(event('evt_1', 1))).toBe('ignored');
    expect(await harness({}).handler.handle(event('evt_1', 1, { idempotencyKey: 'pay_1-refund-1' }))).toBe('ignored');
  });
});

describe('attemptOf', () => {
  it.each([
    ['pay_1-charge-0', 0],
    ['pay_1-charge-3', 3],
    ['pay_1-charge-03', null],
    ['pay_2-charge-1', null],
    ['pay_1-charge-1-pm', null],
    ['pay_1-charge-', null],
  ])('%s → %s', (key, attempt) => {
    expect(attemptOf('pay_1', key)).toBe(attempt);
  });
});
