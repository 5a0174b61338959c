import { PaymentRepository } from '../../../src/core/payments/paymentRepository';
import { PaymentService } from '../../../src/core/payments/paymentService';
import type { KeyValueStore } from '../../../src/ports/keyValueStore';
import { STORE_KINDS } from '../../support/harness';
import { useScratchStore } from '../../support/scratchStore';

const clock = { now: () => new Date('2026-01-01T00:00:00.000Z') };

/** Counts the store's reads, the round trips a projection makes after a turn's commit. */
function countingReads(store: KeyValueStore): { store: KeyValueStore; reads: () => number } {
  let reads = 0;
  const counted = Object.create(store) as KeyValueStore;
  counted.get = (key) => {
    reads += 1;
    return store.get(key);
  };
  return { store: counted, reads: () => reads };
}

describe.each(STORE_KINDS)('a payment projection read ahead (%s)', (kind) => {
  let store: KeyValueStore;
  useScratchStore(kind, 'each', (opened) => (store = opened));

  const newPayment = (payments: PaymentService) =>
    payments.create({ amount: '12.34', amountMinor: 1234, currency: 'USD', description: null, channel: 'phone', callSid: null, locale: 'en-US', flowId: 'default', ttlSeconds: 600 });

  it('is not read again by the projection it was read for', async () => {
    const { store: counted, reads } = countingReads(store);
    const payments = new PaymentService(new PaymentRepository(counted, 3600), clock);
    const payment = await newPayment(payments);
    const ahead = payments.readAhead(payment.id);
    await payments.project(payment.id, 1, () => ({ status: 'capturing', expiryCaptured: true }), ahead);
    expect(reads()).toBe(1);
    expect(await payments.get(payment.id)).toMatchObject({ status: 'capturing', expiryCaptured: true, projectedVersion: 1 });
  });

  it('is a retry, not a lost write, when the payment changed after it was read', async () => {
    const payments = new PaymentService(new PaymentRepository(store, 3600), clock);
    const payment = await newPayment(payments);
    const ahead = payments.readAhead(payment.id);
    await ahead.read;
    await payments.project(payment.id, 1, () => ({ status: 'capturing' }));
    await payments.project(payment.id, 2, () => ({ status: 'capturing', expiryCaptured: true }), ahead);
    expect(await payments.get(payment.id)).toMatchObject({ expiryCaptured: true, projectedVersion: 2 });
  });
});
