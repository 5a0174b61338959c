import type { Payment } from '../payments/payment';
import type { StoredState } from './callSession';
import type { StateMeaning } from './meaning';

/** The masked facts a capture state shows on its payment: what the API and the agent see. */
export function projectPayment(state: StoredState, meaning: StateMeaning): Partial<Payment> {
  const c = state.context;
  return {
    status: meaning.status,
    card: c.card,
    expiryCaptured: c.captured.expiry,
    securityCodeCaptured: c.captured.securityCode,
    reference: c.reference,
    failure: meaning.status === 'succeeded' ? null : c.failure,
  };
}

/** Whether a transition changed anything the payment shows. */
export function projectionChanged(before: Partial<Payment>, after: Partial<Payment>): boolean {
  return JSON.stringify(before) !== JSON.stringify(after);
}
