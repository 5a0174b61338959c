import { effectiveStatus, type Payment } from './payment';
import { refundFieldsOf } from './refund';

/** The payment as the API and the agent see it: masked card, no pay-code secrets beyond creation. */
export function paymentView(p: Payment, now: Date, urls: { voiceUrl: string }) {
  return {
    id: p.id,
    status: effectiveStatus(p, now),
    amount: p.amount,
    currency: p.currency,
    channel: p.channel,
    description: p.description,
    locale: p.locale,
    flow: p.flowId,
    callSid: p.callSid,
    card: p.card ? { brand: p.card.brand, last4: p.card.last4 } : null,
    expiryCaptured: p.expiryCaptured,
    securityCodeCaptured: p.securityCodeCaptured,
    reference: p.reference,
    failure: p.failure,
    voiceUrl: urls.voiceUrl,
    expiresAt: p.expiresAt,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
    ...refundFieldsOf(p),
  };
}

/** What `POST /api/payments` answers: the view plus the pay code the caller will type. */
export function createdPaymentView(p: Payment, now: Date, urls: { voiceUrl: string }) {
  return { ...paymentView(p, now, urls), payCode: p.payCode };
}
