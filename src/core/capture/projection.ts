import type { Payment } from '../payments/payment';
import type { StoredState } from './callSession';
import type { StateMeaning } from './meaning';

/** The masked facts a capture state shows on its payment: what the API and the agent see. */
export function projectPayment(state: StoredState, meaning: StateMeaning): Partial<Payment> {
  const c = state.context;
  return {
    // An approval of a manual-capture payment is an authorisation: the API captures it later.
    status: meaning.status === 'succeeded' && c.authorized ? 'authorized' : meaning.status,
    card: c.card,
    expiryCaptured: c.captured.expiry,
    securityCodeCaptured: c.captured.securityCode,
    postalCodeCaptured: c.captured.postalCode ?? false,
    reference: c.reference,
    // Sessions of earlier releases held the processor's id as their only reference.
    processorReference: c.processorReference ?? c.reference,
    failure: meaning.status === 'succeeded' ? null : c.failure,
    // Bank debits only (a card capture's context has neither): the account's last 4 and type, the acceptance.
    ...(c.bankAccount !== undefined ? { bankAccount: c.bankAccount } : {}),
    ...(c.debitAuthorization !== undefined ? { debitAuthorization: c.debitAuthorization } : {}),
  };
}

/** Whether a transition changed anything the payment shows. */
export function projectionChanged(before: Partial<Payment>, after: Partial<Payment>): boolean {
  return JSON.stringify(before) !== JSON.stringify(after);
}
