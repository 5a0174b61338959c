import { isoUnits } from '../../../../src/core/domain/units';
import type { Payment } from '../../../../src/core/payments/payment';
import { aPayment } from '../../../support/paymentRecords';
import { PaymentRepository } from '../../../../src/core/payments/paymentRepository';
import { RefundService } from '../../../../src/core/payments/refundService';
import type { Processor, RefundRequest, RefundResult } from '../../../../src/ports/processor';
import { MemoryStore } from '../../../../src/adapters/store/memoryStore';

const NOW = new Date('2030-06-15T12:00:00Z');
const clock = { now: () => NOW };

function succeededPayment(id: string): Payment {
  return aPayment({
    id,
    status: 'succeeded',
    amount: '12.34',
    amountMinor: 1234,
    card: { brand: 'visa', last4: '4242' },
    expiryCaptured: true,
    securityCodeCaptured: true,
    reference: 'pi_123',
    createdAt: NOW.toISOString(),
    updatedAt: NOW.toISOString(),
    expiresAt: NOW.toISOString(),
    projectedVersion: 1,
  });
}

/** A processor whose refunds are scripted per call: an answer, or a throw (a crash mid-request). */
function scriptedProcessor(script: Array<RefundResult | 'throw'>): { processor: Processor; calls: RefundRequest[] } {
  const calls: RefundRequest[] = [];
  const processor: Processor = {
    name: 'scripted',
    units: (amount, currency) => isoUnits(amount, currency, 'scripted'),
    charge: async () => ({ outcome: 'declined', code: 'processing_error', message: 'unused' }),
    refund: async (request) => {
      calls.push(request);
      const next = script.shift() ?? 'throw';
      if (next === 'throw') throw new Error('connection reset');
      return next;
    },
  };
  return { processor, calls };
}

describe('RefundService', () => {
  let store: MemoryStore;
  let repository: PaymentRepository;

  beforeEach(async () => {
    store = new MemoryStore();
    repository = new PaymentRepository(store, 3600);
    await repository.create(succeededPayment('pay_abcdefghijkl'));
  });
  afterEach(async () => {
    await store.close();
  });

  it('finishes a refund whose first try died mid-request, under the same processor key, once the claim is stale', async () => {
    const { processor, calls } = scriptedProcessor(['throw', { outcome: 'approved', reference: 'rf_1', status: 'succeeded' }]);
    const service = new RefundService(repository, store, processor, clock, { staleAfterMs: 0, waitMs: 100 });

    await expect(service.refund({ paymentId: 'pay_abcdefghijkl', amount: '2.00', idempotencyKey: 'k' })).rejects.toThrow('connection reset');
    expect((await repository.get('pay_abcdefghijkl'))!.refunds).toEqual([expect.objectContaining({ amount: '2.00', status: 'pending' })]);

    const resumed = await service.refund({ paymentId: 'pay_abcdefghijkl', amount: '2.00', idempotencyKey: 'k' });
    expect(resumed).toMatchObject({ ok: true, refund: { amount: '2.00', status: 'succeeded', reference: 'rf_1' } });
    expect(calls).toHaveLength(2);
    expect(calls[1]!.idempotencyKey).toBe(calls[0]!.idempotencyKey);
    expect((await repository.get('pay_abcdefghijkl'))!.refunds).toHaveLength(1);
  });

  it('tells a duplicate that arrives while the first is still running that it is in progress', async () => {
    const { processor } = scriptedProcessor(['throw']);
    const service = new RefundService(repository, store, processor, clock, { staleAfterMs: 60_000, waitMs: 100 });
    await expect(service.refund({ paymentId: 'pay_abcdefghijkl', idempotencyKey: 'k' })).rejects.toThrow();
    expect(await service.refund({ paymentId: 'pay_abcdefghijkl', idempotencyKey: 'k' })).toMatchObject({ ok: false, status: 409, code: 'refund_in_progress' });
  });

  it('records a refund the processor refuses as failed, and gives its amount back', async () => {
    const { processor } = scriptedProcessor([
      { outcome: 'failed', code: 'refund_declined', message: 'No.' },
      { outcome: 'approved', reference: 'rf_2', status: 'pending' },
    ]);
    const service = new RefundService(repository, store, processor, clock);
    expect(await service.refund({ paymentId: 'pay_abcdefghijkl' })).toMatchObject({ ok: true, refund: { status: 'failed', failure: { code: 'refund_declined' } } });
    expect(await service.refund({ paymentId: 'pay_abcdefghijkl' })).toMatchObject({ ok: true, refund: { amount: '12.34', status: 'pending' } });
  });
});
