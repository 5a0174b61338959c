import type { Payment } from '../payments/payment';
import type { StoredState } from './callSession';
import { STATE } from './machine';

const STATUS_BY_STATE: Record<string, Payment['status']> = {
  [STATE.collectingCardNumber]: 'capturing',
  [STATE.collectingExpiry]: 'capturing',
  [STATE.collectingSecurityCode]: 'capturing',
  [STATE.awaitingAgent]: 'capturing',
  [STATE.confirming]: 'capturing',
  [STATE.declined]: 'capturing',
  [STATE.processing]: 'processing',
  [STATE.deferred]: 'processing',
  [STATE.succeeded]: 'succeeded',
  [STATE.completed]: 'succeeded',
  [STATE.failed]: 'failed',
  [STATE.hungUp]: 'failed',
  [STATE.canceled]: 'canceled',
};

/** The masked facts a capture state shows on its payment: what the API and the agent see. */
export function projectPayment(state: StoredState): Partial<Payment> {
  const c = state.context;
  return {
    status: STATUS_BY_STATE[state.value] ?? 'capturing',
    card: c.card,
    expiryCaptured: c.captured.expiry,
    securityCodeCaptured: c.captured.securityCode,
    reference: c.reference,
    failure: state.value === STATE.succeeded || state.value === STATE.completed ? null : c.failure,
  };
}

/** Whether a transition changed anything the payment shows. */
export function projectionChanged(before: StoredState, after: StoredState): boolean {
  return JSON.stringify(projectPayment(before)) !== JSON.stringify(projectPayment(after));
}
