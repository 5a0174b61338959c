import type { KeyValueStore } from '../../../src/ports/keyValueStore';
import { PaymentExpiry } from '../../../src/core/payments/paymentExpiry';
import { PaymentRepository } from '../../../src/core/payments/paymentRepository';
import { PaymentService } from '../../../src/core/payments/paymentService';
import type { PaymentEvent, PaymentEventSink } from '../../../src/core/payments/paymentEvents';
import type { Payment } from '../../../src/core/payments/payment';
import { createLogger } from '../../../src/observability/logger';
import { STORE_KINDS } from '../../support/harness';
import { useScratchStore } from '../../support/scratchStore';
import { RunningClock } from '../../support/runningClock';

const TTL_SECONDS = 60;
const PARALLEL_CREATES = 150;

describe.each(STORE_KINDS)('payment expiry under parallel creation (%s store)', (kind) => {
  let store: KeyValueStore;
  let clock: RunningClock;
  let announced: string[];
  let service: PaymentService;
  let checker: PaymentExpiry;

  useScratchStore(kind, 'each', (opened) => (store = opened));
  beforeEach(async () => {
    clock = new RunningClock();
    announced = [];
    const events: PaymentEventSink = {
      async committed(payment: Payment, committed: PaymentEvent[]) {
        if (committed.some((e) => e.type === 'payment.expired')) announced.push(payment.id);
      },
    };
    const repository = new PaymentRepository(store, 3600, events);
    checker = new PaymentExpiry(store, repository, clock, createLogger({ silent: true }), { intervalMs: 60_000 });
    service = new PaymentService(repository, clock, checker);
  });

  const newPayment = () =>
    service.create({
      amount: '1.00',
      amountMinor: 100,
      currency: 'USD',
      channel: 'phone',
      description: null,
      locale: 'en-US',
      flowId: 'default',
      callSid: null,
      ttlSeconds: TTL_SECONDS,
    });

  it('notes every one of many payments created at once, and announces each expiry once', async () => {
    // The previous design rewrote one record per create, so parallel creates retried against each other and failed.
    const created = await Promise.all(Array.from({ length: PARALLEL_CREATES }, () => newPayment()));
    expect(await checker.checkOnce()).toBe(0);
    clock.advance((TTL_SECONDS + 1) * 1000);
    await store.delete('payment-expiry:lease');
    expect(await checker.checkOnce()).toBe(PARALLEL_CREATES);
    expect(announced.sort()).toEqual(created.map((p) => p.id).sort());
    await store.delete('payment-expiry:lease');
    expect(await checker.checkOnce()).toBe(0);
  });
});
