import type { Payment } from '../../../../src/core/payments/payment';
import { aPayment } from '../../../support/paymentRecords';
import { numberEvents } from '../../../../src/core/payments/paymentEvents';
import type { Refund } from '../../../../src/core/payments/refund';

const base = aPayment();

const refund = (id: string, status: Refund['status']): Refund => ({
  id,
  amount: '1.00',
  amountMinor: 100,
  status,
  reference: null,
  failure: null,
  createdAt: base.createdAt,
  updatedAt: base.createdAt,
});

describe('payment events of a committed change', () => {
  it('numbers each status reached after the last announced, and moves the sequence with the change', () => {
    const capturing = numberEvents(base, { ...base, status: 'capturing' });
    expect(capturing.events).toEqual([{ type: 'payment.capturing', sequence: 1, refundId: null }]);
    expect(capturing.payment.eventSequence).toBe(1);
    const processing = numberEvents(capturing.payment, { ...capturing.payment, status: 'processing' });
    expect(processing.events).toEqual([{ type: 'payment.processing', sequence: 2, refundId: null }]);
  });

  it('announces nothing for a change that reaches no new status (card digits, a replayed projection)', () => {
    const capturing = { ...base, status: 'capturing' as const, eventSequence: 1 };
    const unchanged = numberEvents(capturing, { ...capturing, card: { brand: 'visa', last4: '4242' } });
    expect(unchanged.events).toEqual([]);
    expect(unchanged.payment.eventSequence).toBe(1);
  });

  it('announces an expiry once, and refunds when the processor has answered them', () => {
    expect(numberEvents(base, { ...base, expiryAnnounced: true }).events.map((e) => e.type)).toEqual(['payment.expired']);
    const announced = { ...base, expiryAnnounced: true, eventSequence: 1 };
    expect(numberEvents(announced, { ...announced, updatedAt: 'later' }).events).toEqual([]);

    const paid = { ...base, status: 'succeeded' as const, eventSequence: 3, refunds: [refund('re_a', 'succeeded')] };
    const reserved = { ...paid, refunds: [...paid.refunds, refund('re_b', 'pending')] };
    expect(numberEvents(paid, reserved).events).toEqual([]);
    const answered = { ...reserved, refunds: [refund('re_a', 'succeeded'), refund('re_b', 'failed')] };
    expect(numberEvents(reserved, answered).events).toEqual([{ type: 'refund.failed', sequence: 4, refundId: 're_b' }]);
  });
});

describe('events of a manual-capture payment', () => {
  it('announces payment.authorized, then payment.succeeded when captured or payment.canceled when voided', () => {
    const processing: Payment = { ...base, status: 'processing', capture: 'manual', eventSequence: 2 };
    const authorized = numberEvents(processing, { ...processing, status: 'authorized' });
    expect(authorized.events).toEqual([{ type: 'payment.authorized', sequence: 3, refundId: null }]);
    expect(numberEvents(authorized.payment, { ...authorized.payment, status: 'succeeded', amountCaptured: '8.00', amountCapturedMinor: 800 }).events).toEqual([
      { type: 'payment.succeeded', sequence: 4, refundId: null },
    ]);
    expect(numberEvents(authorized.payment, { ...authorized.payment, status: 'canceled' }).events).toEqual([{ type: 'payment.canceled', sequence: 4, refundId: null }]);
  });
});
