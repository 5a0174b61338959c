import type { Logger } from '../../observability/logger';
import type { Clock } from '../../ports/clock';
import type { KeyValueStore } from '../../ports/keyValueStore';
import type { ChargeResult } from '../../ports/processor';
import type { ProcessorEvent } from '../../ports/processorEvents';
import type { ProcessorChange } from '../payments/authorizationService';
import type { Payment } from '../payments/payment';
import type { PendingCharge, PendingCharges } from './pendingCharges';

export interface ProcessorEventHandlerDeps {
  store: KeyValueStore;
  pendingCharges: PendingCharges;
  getPayment(paymentId: string): Promise<Payment | null>;
  /** Records a definite answer on the capture or the payment: the reconciler's own path (CaptureService.settleCharge). */
  settle(charge: PendingCharge, result: ChargeResult): Promise<void>;
  /** AuthorizationService.canceledAtProcessor / capturedAtProcessor. */
  canceledAtProcessor(paymentId: string, reference: string): Promise<ProcessorChange>;
  capturedAtProcessor(paymentId: string, reference: string, capturedUnits: number | undefined): Promise<ProcessorChange>;
  clock: Clock;
  logger: Logger;
}

/**
 * What became of an event: `settled` (a pending charge got its answer), `changed` (an authorisation
 * was canceled or captured at the processor), `unchanged` (nothing left to do: replayed, already
 * final, not yet decided), `ignored` (names nothing of this gateway's), `busy` (a capture or void of
 * the gateway's own is in flight: the processor should deliver it again later).
 */
export type ProcessorEventOutcome = 'settled' | 'changed' | 'unchanged' | 'ignored' | 'busy';

/** Processors retry a delivery for up to three days (Stripe); a replay within a month is known. */
const SEEN_TTL_SECONDS = 30 * 86_400;

/**
 * Applies what a processor's own event says to the payment it names, as the charge reconciler would
 * have on its next look-up, only sooner:
 * - a charge still pending (its answer lost, or not in yet) is settled through the reconciler's path,
 *   so a live call still waiting hears it and an ended one's payment shows it, then leaves the ledger;
 * - an `authorized` payment whose authorisation the processor canceled (expiry) becomes `canceled`,
 *   one it captured without the gateway becomes `succeeded`.
 * Every change is a compare-and-set on the session or the payment, so replays and parallel
 * deliveries of one event apply it once; an event id already handled is answered at once.
 */
export class ProcessorEventHandler {
  constructor(private readonly deps: ProcessorEventHandlerDeps) {}

  async handle(event: ProcessorEvent): Promise<ProcessorEventOutcome> {
    const log = this.deps.logger.child({ processorEvent: event.id, eventType: event.type });
    if (await this.deps.store.get(seenKey(event.id))) {
      log.debug('processor event already handled');
      return 'unchanged';
    }
    const outcome = await this.apply(event, log);
    // Remembered only once applied: a delivery that failed half-way is applied again on the retry.
    if (outcome !== 'busy') await this.deps.store.set(seenKey(event.id), outcome, SEEN_TTL_SECONDS);
    return outcome;
  }

  private async apply(event: ProcessorEvent, log: Logger): Promise<ProcessorEventOutcome> {
    const charge = event.charge;
    if (!charge) {
      log.debug('processor event names no charge of this gateway');
      return 'ignored';
    }
    const attempt = attemptOf(charge.paymentId, charge.idempotencyKey);
    const payment = attempt === null ? null : await this.deps.getPayment(charge.paymentId);
    if (!payment || attempt === null) {
      log.debug('processor event for an unknown payment', { paymentId: charge.paymentId });
      return 'ignored';
    }
    const plog = log.child({ paymentId: payment.id });

    if (payment.status === 'authorized' && payment.processorReference === charge.reference && charge.state !== 'other') {
      const changed =
        charge.state === 'canceled'
          ? await this.deps.canceledAtProcessor(payment.id, charge.reference)
          : await this.deps.capturedAtProcessor(payment.id, charge.reference, charge.capturedUnits);
      if (changed === 'changed') plog.info(charge.state === 'canceled' ? 'authorisation canceled at the processor' : 'authorisation captured at the processor');
      return changed;
    }

    if (charge.outcome.outcome === 'unknown') {
      plog.debug('processor has not decided the charge yet', { attempt });
      return 'unchanged';
    }
    const pending = await this.pendingOf(payment, attempt, charge.idempotencyKey);
    if (!pending) {
      plog.debug('processor event for a charge already settled', { attempt, status: payment.status });
      return 'unchanged';
    }
    await this.deps.settle(pending, charge.outcome);
    await this.deps.pendingCharges.drop(pending.paymentId, pending.attempt);
    plog.info('pending charge settled by the processor’s event', { attempt, outcome: charge.outcome.outcome });
    return 'settled';
  }

  /**
   * The pending charge the event answers: the attempt's ledger entry. A `processing` payment with no
   * entry at all (an off-session charge of a saved card is never put on the ledger) is settled too;
   * one whose ledger holds another attempt is that attempt's to settle, never this event's.
   */
  private async pendingOf(payment: Payment, attempt: number, idempotencyKey: string): Promise<PendingCharge | null> {
    const entry = await this.deps.pendingCharges.get(payment.id, attempt);
    if (entry) return entry;
    if (payment.status !== 'processing') return null;
    if ((await this.deps.pendingCharges.list()).some((e) => e.paymentId === payment.id)) return null;
    const now = this.deps.clock.now().toISOString();
    return { paymentId: payment.id, callSid: payment.callSid ?? '', attempt, idempotencyKey, since: now, dueAt: now, asked: 0, leaseUntil: null };
  }
}

function seenKey(eventId: string): string {
  return `processor-event:${eventId}`;
}

/** The attempt an idempotency key names (`<paymentId>-charge-<n>`); null for a key of any other shape. */
export function attemptOf(paymentId: string, idempotencyKey: string): number | null {
  const prefix = `${paymentId}-charge-`;
  if (!idempotencyKey.startsWith(prefix)) return null;
  const rest = idempotencyKey.slice(prefix.length);
  return /^(0|[1-9][0-9]{0,5})$/.test(rest) ? Number(rest) : null;
}
