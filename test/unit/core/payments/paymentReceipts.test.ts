import { MemoryStore } from '../../../../src/adapters/store/memoryStore';
import { aPayment } from '../../../support/paymentRecords';
import { PaymentReceipts } from '../../../../src/core/payments/paymentReceipts';
import type { PaymentEvent } from '../../../../src/core/payments/paymentEvents';
import { createLogger } from '../../../../src/observability/logger';
import type { MailMessage } from '../../../../src/ports/mailer';

const paid = aPayment({
  status: 'succeeded',
  amount: '12.30',
  amountMinor: 1230,
  description: 'Boiler repair',
  callSid: 'CA0123456789abcdef0123456789abcdef',
  card: { brand: 'visa', last4: '4242' },
  expiryCaptured: true,
  securityCodeCaptured: true,
  reference: 'REF-778899',
  updatedAt: '2026-01-01T00:01:00.000Z',
  projectedVersion: 5,
  receiptEmail: 'caller@example.com',
});
const SUCCEEDED: PaymentEvent[] = [{ type: 'payment.succeeded', sequence: 3, refundId: null }];

function rig(withMailer = true) {
  const store = new MemoryStore();
  const sent: MailMessage[] = [];
  const mailer = { send: async (m: MailMessage) => void sent.push(m), close: () => undefined };
  const receipts = new PaymentReceipts(store, createLogger({ silent: true }), { mailer: withMailer ? mailer : null, merchantName: 'Acme Plumbing', markSeconds: 60 });
  return { store, sent, receipts };
}

describe('receipts of succeeded payments', () => {
  it('sends one receipt per payment with the amount, masked card and reference, however often the transition is told', async () => {
    const { sent, receipts, store } = rig();
    await Promise.all([receipts.committed(paid, SUCCEEDED), receipts.committed(paid, SUCCEEDED), receipts.committed(paid, SUCCEEDED)]);
    await receipts.settled();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.to).toBe('caller@example.com');
    expect(sent[0]!.subject).toBe('Receipt REF-778899 – $12.30');
    expect(sent[0]!.text).toContain('Card: Visa •••• 4242');
    expect(sent[0]!.text).toContain('For: Boiler repair');
    expect(sent[0]!.text).toContain('Acme Plumbing');
    await store.close();
  });

  it('confirms a saved card without an amount or a payment received, since nothing was charged', async () => {
    const { sent, receipts, store } = rig();
    await receipts.committed({ ...paid, intent: 'save_card', amount: '0.00', amountMinor: 0 }, SUCCEEDED);
    await receipts.settled();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.subject).toBe('Card saved REF-778899');
    expect(sent[0]!.text).toContain('Card saved for later payments. Nothing was charged.');
    expect(sent[0]!.text).toContain('Card: Visa •••• 4242');
    expect(sent[0]!.text).not.toMatch(/\$|Payment received|USD/);
    await store.close();
  });

  it('sends nothing for other transitions, without an email, or without a mail server', async () => {
    const a = rig();
    await a.receipts.committed({ ...paid, status: 'processing', reference: null }, [{ type: 'payment.processing', sequence: 2, refundId: null }]);
    const { receiptEmail: _none, ...withoutEmail } = paid;
    await a.receipts.committed(withoutEmail, SUCCEEDED);
    await a.receipts.settled();
    expect(a.sent).toHaveLength(0);
    const b = rig(false);
    expect(b.receipts.sends).toBe(false);
    await b.receipts.committed(paid, SUCCEEDED);
    await b.receipts.settled();
    expect(await b.store.get(`receipt:${paid.id}`)).toBeNull();
    await a.store.close();
    await b.store.close();
  });

  it('a mail server that refuses is logged, not thrown into the payment change', async () => {
    const store = new MemoryStore();
    const receipts = new PaymentReceipts(store, createLogger({ silent: true }), {
      mailer: { send: async () => Promise.reject(new Error('550 no')), close: () => undefined },
      merchantName: 'Acme',
      markSeconds: 60,
    });
    await expect(receipts.committed(paid, SUCCEEDED)).resolves.toBeUndefined();
    await expect(receipts.settled()).resolves.toBeUndefined();
    // Claimed before sending: not sent twice by a later retry of anything.
    expect((await store.get(`receipt:${paid.id}`))?.value).toBe('sent');
    await store.close();
  });
});
