import express, { Router } from 'express';
import type { ProcessorEvent, ProcessorEvents } from '../ports/processorEvents';
import type { Clock } from '../ports/clock';
import type { Logger } from '../observability/logger';

export interface ProcessorEventsRouterDeps {
  /** The processor's event reader; null when its signing secret is not set: every delivery answers 503. */
  events: ProcessorEvents | null;
  /** Applies a checked event (ProcessorEventHandler.handle). */
  handle(event: ProcessorEvent): Promise<'settled' | 'changed' | 'unchanged' | 'ignored' | 'busy'>;
  clock: Clock;
  logger: Logger;
}

/** Stripe's events are a few kilobytes; anything much larger is not one. */
const BODY_LIMIT = '256kb';

/**
 * `POST /webhooks/stripe`: the processor's own signed events. The body is kept raw, since the
 * signature covers its exact bytes; nothing in it is believed, or logged, before the signature is
 * checked. Every event that passes answers 2xx, even one naming nothing of this gateway's, because
 * the processor retries anything else for days; only a capture or void of the gateway's own in
 * flight (409) or the processor being unreachable to confirm the event (503) asks for a retry.
 */
export function processorEventsRouter(deps: ProcessorEventsRouterDeps): Router {
  const router = Router();
  router.post('/', express.raw({ type: () => true, limit: BODY_LIMIT }), async (req, res) => {
    if (!deps.events) {
      res.status(503).json({ error: { code: 'not_configured', message: 'STRIPE_WEBHOOK_SECRET is not set: this gateway does not take Stripe events.' } });
      return;
    }
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const read = await deps.events.read(body, req.get('stripe-signature'), deps.clock.now());
    if (!read.ok) {
      if (read.problem === 'signature') {
        // Neither the body nor the header: whoever sent it, only that it was refused.
        deps.logger.warn('processor event refused: missing or invalid signature', { processor: deps.events.processor, signed: req.get('stripe-signature') !== undefined });
        res.status(400).json({ error: { code: 'invalid_signature', message: 'The Stripe-Signature header is missing, invalid or too old.' } });
        return;
      }
      deps.logger.warn('processor event not confirmed: the processor could not be reached; it will deliver it again', { processor: deps.events.processor });
      res.status(503).json({ error: { code: 'processor_unavailable', message: 'The event could not be confirmed with the processor now.' } });
      return;
    }
    const outcome = await deps.handle(read.event);
    if (outcome === 'busy') {
      res.status(409).json({ error: { code: 'payment_busy', message: 'A capture or void of this payment is in flight; deliver the event again later.' } });
      return;
    }
    res.json({ received: true, outcome });
  });
  return router;
}
