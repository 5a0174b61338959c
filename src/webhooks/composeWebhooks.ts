import type { Config } from '../config/config';
import type { PaymentEventSink } from '../core/payments/paymentEvents';
import type { Logger } from '../observability/logger';
import { systemClock, type Clock } from '../ports/clock';
import type { JobQueue } from '../ports/jobQueue';
import type { KeyValueStore } from '../ports/keyValueStore';
import type { Sealer } from '../ports/vault';
import type { Router } from 'express';
import { Delivery } from './delivery';
import { EndpointRepository } from './endpointRepository';
import { resolveHost, type ResolveHost } from './endpointUrl';
import { EventPublisher } from './eventPublisher';
import { webhookRouter } from './webhookRouter';
import { WebhookService } from './webhookService';

export interface WebhookParts {
  store: KeyValueStore;
  /** Where deliveries wait and are retried: durable on Redis, in-process with the memory store. */
  queue: JobQueue;
  clock: Clock;
  logger: Logger;
  /** Seals the endpoints' signing secrets at rest (the vault's key). */
  secrets: Sealer;
  /** How endpoint host names are resolved for the production address rules; DNS by default. */
  resolve?: ResolveHost;
}

export interface Webhooks {
  service: WebhookService;
  /** Hands committed payment events to the queue (the payment repository's sink). */
  events: PaymentEventSink;
  router: Router;
  /** Starts delivering queued events. */
  start(): void;
  /** Stops delivering; with a durable queue, what is not delivered stays queued for the next start. */
  close(): Promise<void>;
}

/** Merchant event webhooks: endpoints, the events of committed payment changes, their delivery. */
export function composeWebhooks(config: Config, parts: WebhookParts): Webhooks {
  const settings = config.webhooks;
  // Attempts are listed a day beyond the last retry.
  const retrySeconds = settings.retryDelaysMs.reduce((sum, ms) => sum + ms, 0) / 1000;
  const endpoints = new EndpointRepository(parts.store, Math.ceil(retrySeconds) + 86_400, parts.secrets);
  const rules = { production: config.env === 'production', resolve: parts.resolve ?? resolveHost };
  const service = new WebhookService(endpoints, parts.clock, rules);
  const events = new EventPublisher(endpoints, parts.queue, parts.clock, parts.logger, config.http.publicBaseUrl);
  // A receiver checks `webhook-timestamp` against its own wall clock, whatever time the gateway keeps.
  const delivery = new Delivery(endpoints, systemClock, parts.logger, { ...rules, attemptTimeoutMs: settings.attemptTimeoutMs });
  return {
    service,
    events,
    router: webhookRouter(service, config.apiKey),
    start() {
      if (!parts.queue.durable) {
        parts.logger.warn('webhook deliveries are queued in this process only: events not yet delivered are lost when it stops (use Redis to keep them)');
      }
      parts.queue.process((job) => delivery.run(job));
    },
    close: () => parts.queue.close(),
  };
}
