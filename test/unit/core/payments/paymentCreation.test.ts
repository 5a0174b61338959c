import type { Payment } from '../../../../src/core/payments/payment';
import type { PaymentRepository } from '../../../../src/core/payments/paymentRepository';
import { PaymentService, type NewPayment } from '../../../../src/core/payments/paymentService';

const NEW_PAYMENT: NewPayment = {
  amount: '12.34',
  amountMinor: 1234,
  currency: 'USD',
  description: null,
  channel: 'phone',
  callSid: null,
  locale: 'en-US',
  flowId: 'default',
  ttlSeconds: 3600,
};

const clock = { now: () => new Date('2026-12-02T10:00:00Z') };

/** A repository whose pay codes and references are taken until `free` says otherwise; each reservation answers when released. */
function reservations(free: { payCode: (attempt: number) => boolean; reference: (attempt: number) => boolean }) {
  const calls = { payCode: [] as string[], reference: [] as string[] };
  const pending: Array<() => void> = [];
  const answer = (value: boolean) =>
    new Promise<boolean>((resolve) => {
      pending.push(() => resolve(value));
    });
  const created: Payment[] = [];
  const repository = {
    reservePayCode: (code: string) => {
      calls.payCode.push(code);
      return answer(free.payCode(calls.payCode.length));
    },
    reserveReference: (reference: string) => {
      calls.reference.push(reference);
      return answer(free.reference(calls.reference.length));
    },
    create: async (payment: Payment) => {
      created.push(payment);
    },
  } as unknown as PaymentRepository;
  /** Answers every reservation asked so far, and those they lead to, until none is left. */
  const settle = async (): Promise<void> => {
    for (let rounds = 0; rounds < 100; rounds += 1) {
      await new Promise((resolve) => setImmediate(resolve));
      if (pending.length === 0) return;
      for (const release of pending.splice(0)) release();
    }
  };
  return { repository, calls, pending, created, settle };
}

describe('PaymentService.create reserves a pay code and a reference', () => {
  it('asks for both at once, so they leave in one round trip to the store', async () => {
    const store = reservations({ payCode: () => true, reference: () => true });
    const creating = new PaymentService(store.repository, clock).create(NEW_PAYMENT);
    await new Promise((resolve) => setImmediate(resolve));
    expect(store.calls.payCode).toHaveLength(1);
    expect(store.calls.reference).toHaveLength(1);
    expect(store.pending).toHaveLength(2);
    await store.settle();
    const payment = await creating;
    expect(payment.payCode).toBe(store.calls.payCode[0]);
    expect(payment.shortReference).toBe(store.calls.reference[0]);
    expect(store.created).toEqual([payment]);
  });

  it('draws again while a drawn code or reference is taken, and keeps the one it got', async () => {
    const store = reservations({ payCode: (attempt) => attempt === 3, reference: (attempt) => attempt === 2 });
    const creating = new PaymentService(store.repository, clock).create(NEW_PAYMENT);
    await store.settle();
    const payment = await creating;
    expect(store.calls.payCode).toHaveLength(3);
    expect(store.calls.reference).toHaveLength(2);
    expect(payment.payCode).toBe(store.calls.payCode[2]);
    expect(payment.shortReference).toBe(store.calls.reference[1]);
    expect(payment.payCode).toMatch(/^[0-9]{6}$/);
    expect(payment.shortReference).toMatch(/^[1-9][0-9]{7}$/);
  });

  it('gives up with an error, and creates nothing, when every pay code it draws is taken', async () => {
    const store = reservations({ payCode: () => false, reference: () => true });
    const creating = new PaymentService(store.repository, clock).create(NEW_PAYMENT);
    const outcome = expect(creating).rejects.toThrow('could not allocate a pay code');
    await store.settle();
    await outcome;
    expect(store.calls.payCode).toHaveLength(20);
    expect(store.created).toEqual([]);
  });
});
