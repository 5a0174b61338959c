import type { CaptureContext } from '../../../src/core/capture/types';
import type { StateMeaning } from '../../../src/core/capture/meaning';
import type { Payment } from '../../../src/core/payments/payment';
import { aPayment } from '../../support/paymentRecords';
import { embedStatusOf, embedStatusSchema, type LiveCapture } from '../../../src/embed/statusView';

const base = aPayment({
  status: 'capturing',
  description: 'Invoice 4111111111111111',
  payCode: '975310',
  callSid: 'CA0123456789abcdef0123456789abcdef',
});
const NOW = new Date('2026-01-01T01:00:00.000Z');

function live(field: StateMeaning['field'], notices: CaptureContext['notices'] = []): LiveCapture {
  const meaning = { step: field, status: 'capturing', field, outcome: null, needsCharge: false, holdsCardData: true, final: false } as unknown as StateMeaning;
  return { meaning, context: { notices } as unknown as CaptureContext };
}

describe('the embedded status of a payment', () => {
  it('names the field being typed, and a refused entry of it as invalid', () => {
    expect(embedStatusOf(base, NOW, live('cardNumber')).fields.cardNumber).toBe('waiting');
    const refused = embedStatusOf(base, NOW, live('cardNumber', [{ key: 'cardNumber.error.luhn' }]));
    expect(refused).toMatchObject({ collecting: 'cardNumber', fields: { cardNumber: 'invalid', expiry: 'waiting', securityCode: 'waiting' } });
    // Another field's error (or a timeout) says nothing about this one.
    expect(embedStatusOf(base, NOW, live('cardNumber', [{ key: 'cardNumber.timeout' }])).fields.cardNumber).toBe('waiting');
  });

  it('shows captured fields as valid, except the one asked again', () => {
    const withCard: Payment = { ...base, card: { brand: 'visa', last4: '4242' }, expiryCaptured: true };
    expect(embedStatusOf(withCard, NOW, live('securityCode')).fields).toEqual({ cardNumber: 'valid', expiry: 'valid', securityCode: 'waiting' });
    expect(embedStatusOf(withCard, NOW, live('cardNumber')).fields.cardNumber).toBe('waiting');
    expect(embedStatusOf(withCard, NOW, null).card).toEqual({ brand: 'visa', last4: '4242', display: 'Visa •••• 4242' });
  });

  it('reads a pending payment past its expiry as expired and final', () => {
    const pending: Payment = { ...base, status: 'pending', callSid: null };
    expect(embedStatusOf(pending, NOW, null)).toMatchObject({ status: 'pending', final: false });
    expect(embedStatusOf(pending, new Date(base.expiresAt), null)).toMatchObject({ status: 'expired', final: true, collecting: null });
  });

  it('gives the reference only on success and the reason only on failure', () => {
    const ok: Payment = { ...base, status: 'succeeded', reference: '0123456789' };
    expect(embedStatusOf(ok, NOW, live(null))).toMatchObject({ status: 'succeeded', final: true, reference: '0123456789', failure: null });
    const failed: Payment = { ...base, status: 'failed', failure: { code: 'insufficient_funds', message: 'raw processor words' } };
    expect(embedStatusOf(failed, NOW, live('cardNumber'))).toMatchObject({ final: true, collecting: null, failure: { code: 'insufficient_funds', reason: 'Insufficient funds' } });
  });

  it('carries no description, pay code or call; and matches its schema', () => {
    const view = embedStatusOf({ ...base, card: { brand: 'visa', last4: '4242' } }, NOW, live('expiry'));
    const text = JSON.stringify(view);
    expect(text).not.toContain('4111111111111111');
    expect(text).not.toContain(base.payCode);
    expect(text).not.toContain(base.callSid!);
    expect(embedStatusSchema.safeParse(view).success).toBe(true);
  });
});
