import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../../ports/clock';
import { effectiveStatus, type Payment } from './payment';
import type { PaymentService } from './paymentService';

export type CancelOutcome = { ok: true; payment: Payment } | { ok: false; status: 404 | 409; code: string; message: string };

export interface PaymentCancellationDeps {
  payments: PaymentService;
  clock: Clock;
  /**
   * Ends the live capture of a call as an agent's cancel does, when the capture's machine takes a
   * cancel now (`can()`): the caller hears the closing prompt on their next turn, the card fields
   * are wiped, and the panel follows. False when the capture does not take it (a charge under way,
   * or no capture).
   */
  endCapture(callSid: string): Promise<boolean>;
  /** How long to wait for a capture's payment to show the outcome of its last turn; default 3 s. */
  settleMs?: number;
}

const POLL_MS = 25;

/**
 * `POST /api/payments/{id}/cancel`: a pending payment is canceled at once, a payment being captured
 * through its capture (so that what the caller hears, the vault and the panel agree), and a payment
 * whose charge is under way or done is refused: it is refunded afterwards instead.
 */
export class PaymentCancellation {
  private readonly settleMs: number;

  constructor(private readonly deps: PaymentCancellationDeps) {
    this.settleMs = deps.settleMs ?? 3000;
  }

  async cancel(paymentId: string): Promise<CancelOutcome> {
    const deadline = Date.now() + this.settleMs;
    for (;;) {
      const payment = await this.deps.payments.get(paymentId);
      if (!payment) return { ok: false, status: 404, code: 'not_found', message: `No payment with id "${paymentId}".` };
      const status = effectiveStatus(payment, this.deps.clock.now());
      switch (status) {
        case 'canceled':
          return { ok: true, payment };
        case 'pending': {
          const canceled = await this.deps.payments.cancelPending(paymentId);
          if (canceled) return { ok: true, payment: canceled };
          // A call claimed it meanwhile: read again and cancel through its capture.
          continue;
        }
        case 'capturing': {
          // The capture commits before its payment shows it; a capture that cannot take the cancel
          // (its charge has started) shows so on the payment within its turn.
          if (payment.callSid && (await this.deps.endCapture(payment.callSid))) continue;
          if (Date.now() >= deadline) {
            return { ok: false, status: 409, code: 'payment_not_cancelable', message: 'The capture of this payment cannot be canceled now; read the payment again.' };
          }
          await sleep(POLL_MS);
          continue;
        }
        case 'processing':
          return refusal('charge_in_flight', 'The charge has been sent to the processor and cannot be canceled; refund the payment once it has succeeded.');
        case 'succeeded':
          return refusal('payment_succeeded', 'The payment has succeeded and cannot be canceled; refund it instead (POST /api/payments/{id}/refunds).');
        case 'failed':
        case 'expired':
          return refusal('payment_final', `The payment has ${status}; there is nothing to cancel.`);
      }
    }
  }
}

function refusal(code: string, message: string): CancelOutcome {
  return { ok: false, status: 409, code, message };
}
