import type { ChargeLookUp } from './processor';

/**
 * What a processor's own signed event says of one of the gateway's charges, read and checked by the
 * processor's adapter. Never card data: ids, the outcome, and amounts in the processor's units.
 */
export interface ProcessorEvent {
  /** The processor's event id; a replay carries the same one. */
  id: string;
  /** The processor's name for the event (`payment_intent.succeeded`), for the logs. */
  type: string;
  /** The charge the event is about; null when it names none of the gateway's (or a kind the gateway ignores). */
  charge: ProcessorEventCharge | null;
}

export interface ProcessorEventCharge {
  paymentId: string;
  /** The charge attempt's idempotency key (`<paymentId>-charge-<n>`), which names its pending-charge entry. */
  idempotencyKey: string;
  /** The processor's reference of the charge (what `charge` answers, e.g. Stripe's `pi_…`). */
  reference: string;
  /**
   * The charge's definite outcome as the processor states it now (an approval of a manual-capture
   * charge is `authorized`), or `unknown` while it has none (`processing`).
   */
  outcome: ChargeLookUp;
  /**
   * What the processor holds of it beyond a charge's answer: `canceled` (an authorisation released,
   * by expiry or by anyone) or `captured` (taken, in full or in part).
   */
  state: 'canceled' | 'captured' | 'other';
  /** With `captured`: the amount taken, in the processor's units (see `Processor.units`). */
  capturedUnits?: number;
}

export type ProcessorEventRead =
  | { ok: true; event: ProcessorEvent }
  /** `signature`: missing, malformed, wrong or too old; `unavailable`: the processor could not be asked about it now. */
  | { ok: false; problem: 'signature' | 'unavailable' };

/** Reads a processor's webhook deliveries: checks the signature, then says what the event means. */
export interface ProcessorEvents {
  readonly processor: string;
  /** `receivedAt`: the gateway's time, against which the signature's timestamp is checked. */
  read(rawBody: Buffer, signature: string | undefined, receivedAt: Date): Promise<ProcessorEventRead>;
}
