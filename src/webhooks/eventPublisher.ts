import type { Payment } from '../core/payments/payment';
import type { CommittedHandler, PaymentEvent, PaymentEventSink } from '../core/payments/paymentEvents';
import { paymentView } from '../core/payments/paymentView';
import { refundView } from '../core/payments/refund';
import type { Logger } from '../observability/logger';
import type { Clock } from '../ports/clock';
import type { JobQueue } from '../ports/jobQueue';
import { voiceUrls } from '../phone';
import type { Endpoint, EndpointRepository } from './endpointRepository';

/** What a delivery job carries: the signed body is built once, when the event happens. */
export interface DeliveryJob {
  endpointId: string;
  messageId: string;
  eventType: PaymentEvent['type'];
  paymentId: string;
  sequence: number;
  /** The JSON body, exactly as it is signed and sent. */
  payload: string;
}

export const DELIVERY_JOB = 'deliver';

/**
 * Turns committed payment events into delivery jobs, one per subscribed endpoint. The body carries the
 * masked payment view as `GET /api/payments/{id}` answers it (never card data) and the payment's event
 * sequence, so a receiver can put events of one payment in order whatever order they arrive in.
 */
export class EventPublisher implements PaymentEventSink {
  private readonly urls: ReturnType<typeof voiceUrls>;

  constructor(
    private readonly endpoints: EndpointRepository,
    private readonly queue: JobQueue,
    private readonly clock: Clock,
    private readonly logger: Logger,
    publicBaseUrl: string,
  ) {
    this.urls = voiceUrls(publicBaseUrl);
  }

  async committed(payment: Payment, events: PaymentEvent[]): Promise<void> {
    await this.publish(payment, events, this.endpoints.list());
  }

  /** The endpoints are read now, with the write that commits the events (see `PaymentEventSink.readAhead`). */
  readAhead(): CommittedHandler {
    const listed = this.endpoints.list();
    // Awaited by the handler when the write is stored; a refused write leaves it unread.
    listed.catch(() => undefined);
    return (payment, events) => this.publish(payment, events, listed);
  }

  private async publish(payment: Payment, events: PaymentEvent[], listed: Promise<Endpoint[]>): Promise<void> {
    try {
      const endpoints = await listed;
      const deliveries = events.map((event) => ({ event, subscribed: endpoints.filter((e) => e.events.includes(event.type)) })).filter((d) => d.subscribed.length > 0);
      // Most turns change a payment no endpoint listens for: nothing is built for them.
      if (deliveries.length === 0) return;
      const now = this.clock.now();
      const view = paymentView(payment, now, { voiceUrl: this.urls.payment(payment.id) });
      for (const { event, subscribed } of deliveries) {
        const refund = event.refundId ? payment.refunds?.find((r) => r.id === event.refundId) : undefined;
        const messageId = `msg_${payment.id}_${event.sequence}`;
        const payload = JSON.stringify({
          type: event.type,
          timestamp: now.toISOString(),
          data: { sequence: event.sequence, payment: view, ...(refund ? { refund: refundView(refund, payment.id, payment.currency) } : {}) },
        });
        for (const endpoint of subscribed) {
          const job: DeliveryJob = { endpointId: endpoint.id, messageId, eventType: event.type, paymentId: payment.id, sequence: event.sequence, payload };
          await this.queue.add({ id: `${endpoint.id}.${messageId}`, name: DELIVERY_JOB, data: job });
        }
      }
    } catch (error) {
      // The payment's change is stored either way; what was not queued is reported for the operator.
      this.logger.error('payment events not queued for delivery', { paymentId: payment.id, events: events.map((e) => e.type), error });
    }
  }
}
