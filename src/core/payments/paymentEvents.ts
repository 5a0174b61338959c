import type { Payment } from './payment';

/** What a merchant's endpoint can be told of a payment; each names the status it reached. */
export const PAYMENT_EVENT_TYPES = [
  'payment.capturing',
  'payment.processing',
  'payment.authorized',
  'payment.succeeded',
  'payment.failed',
  'payment.canceled',
  'payment.expired',
  'refund.succeeded',
  'refund.failed',
] as const;

export type PaymentEventType = (typeof PAYMENT_EVENT_TYPES)[number];

/** One transition of a payment, numbered in the payment's own order (1, 2, 3…). */
export interface PaymentEvent {
  type: PaymentEventType;
  sequence: number;
  /** The refund a `refund.*` event is about; null for `payment.*`. */
  refundId: string | null;
}

/**
 * Hears of events as their change is committed. It must not reject: the change is stored whatever it
 * does, so a failure to pass an event on is its own to report.
 */
export interface PaymentEventSink {
  committed(payment: Payment, events: PaymentEvent[]): Promise<void>;
  /**
   * `committed`, with the reads it needs started now. Called right after the write that commits the
   * events is sent, so that those reads leave in the same round trip as the write (the Redis client
   * sends the commands of one tick together) and still come after it; the answer is `committed` for
   * that write. Wasted when the write is refused. Absent: `committed` reads when it is called.
   */
  readAhead?(): CommittedHandler;
}

/** What hears of one write's committed events (see `PaymentEventSink.readAhead`); it must not reject. */
export type CommittedHandler = (payment: Payment, events: PaymentEvent[]) => Promise<void>;

/** The sink's `committed`, with its reads started now when it can start them early. */
export function readAheadOf(sink: PaymentEventSink): CommittedHandler {
  return sink.readAhead ? sink.readAhead() : (payment, events) => sink.committed(payment, events);
}

/**
 * Every sink that hears of committed payment events (the merchants' webhooks, receipts, the agent panel's
 * chat links): the repository's one source, passed on to each. Sinks may be added once built, before the
 * gateway takes requests.
 */
export class PaymentEventSinks implements PaymentEventSink {
  private readonly sinks: PaymentEventSink[];

  constructor(sinks: PaymentEventSink[] = []) {
    this.sinks = [...sinks];
  }

  add(sink: PaymentEventSink): void {
    this.sinks.push(sink);
  }

  async committed(payment: Payment, events: PaymentEvent[]): Promise<void> {
    await Promise.all(this.sinks.map((sink) => sink.committed(payment, events)));
  }

  readAhead(): CommittedHandler {
    const handlers = this.sinks.map(readAheadOf);
    return async (payment, events) => {
      await Promise.all(handlers.map((handler) => handler(payment, events)));
    };
  }
}

const STATUS_EVENTS: Partial<Record<Payment['status'], PaymentEventType>> = {
  capturing: 'payment.capturing',
  processing: 'payment.processing',
  authorized: 'payment.authorized',
  succeeded: 'payment.succeeded',
  failed: 'payment.failed',
  canceled: 'payment.canceled',
};

/** The transitions from `before` to `after`, unnumbered: a status reached, expiry announced, refunds answered. */
export function transitionsOf(before: Payment, after: Payment): Array<Omit<PaymentEvent, 'sequence'>> {
  const found: Array<Omit<PaymentEvent, 'sequence'>> = [];
  const reached = after.status !== before.status ? STATUS_EVENTS[after.status] : undefined;
  if (reached) found.push({ type: reached, refundId: null });
  if (after.expiryAnnounced && !before.expiryAnnounced) found.push({ type: 'payment.expired', refundId: null });
  for (const refund of after.refunds ?? []) {
    if (refund.status === 'pending') continue;
    const earlier = before.refunds?.find((r) => r.id === refund.id);
    if (earlier?.status !== refund.status) found.push({ type: `refund.${refund.status}`, refundId: refund.id });
  }
  return found;
}

/** `after` with its event sequence moved past the transitions from `before`, and those transitions numbered. */
export function numberEvents(before: Payment, after: Payment): { payment: Payment; events: PaymentEvent[] } {
  const transitions = transitionsOf(before, after);
  if (transitions.length === 0) return { payment: after, events: [] };
  const last = before.eventSequence ?? 0;
  const events = transitions.map((t, i) => ({ ...t, sequence: last + i + 1 }));
  return { payment: { ...after, eventSequence: last + events.length }, events };
}
