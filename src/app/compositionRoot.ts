import { createHmac } from 'node:crypto';
import { FakeCallControl } from '../adapters/callControl/fakeCallControl';
import { MemoryEventBus } from '../adapters/eventBus/memoryEventBus';
import { RedisEventBus } from '../adapters/eventBus/redisEventBus';
import type { Config } from '../config/config';
import type { ProcessorSettings } from '../config/processorConfig';
import { SmtpMailer } from '../adapters/mail/smtpMailer';
import type { Logger } from '../observability/logger';
import type { CallControl } from '../ports/callControl';
import type { EventBus } from '../ports/eventBus';
import type { KeyValueStore } from '../ports/keyValueStore';
import type { Mailer } from '../ports/mailer';
import type { Processor } from '../ports/processor';
import type { Vault } from '../ports/vault';
import { HttpsConnector } from '../adapters/processors/httpsConnector';
import type { Clock } from '../ports/clock';
import { SandboxProcessor } from '../adapters/processors/sandboxProcessor';
import { StripeProcessor } from '../adapters/processors/stripeProcessor';
import { StripeEvents } from '../adapters/processors/stripeEvents';
import type { ProcessorEvents } from '../ports/processorEvents';
import { connectRedisTopology } from '../adapters/store/redisClient';
import { TwilioCallControl } from '../adapters/callControl/twilioCallControl';
import { BullmqJobQueue } from '../adapters/queue/bullmqJobQueue';
import { MemoryJobQueue } from '../adapters/queue/memoryJobQueue';
import type { JobQueue } from '../ports/jobQueue';

/*
 * The adapters the configuration names, picked here and nowhere else: the capabilities (bridge, pay links,
 * capture, agents) receive them and never build one themselves.
 */

/** The call control CALL_CONTROL names: Twilio's REST API, or the in-memory fake for development. */
export function pickCallControl(config: Config, logger: Logger): CallControl {
  if (config.bridge.callControl === 'twilio') {
    return new TwilioCallControl({ accountSid: config.twilio.accountSid!, authToken: config.twilio.authToken!, apiUrl: config.twilio.apiUrl });
  }
  logger.warn('call control is the in-memory fake: the agent bridge acts on no real call (development only)');
  return new FakeCallControl();
}

/** Masked bridge events cross processes through Redis when the gateway has one; in memory otherwise. */
export async function connectEventBus(config: Config): Promise<EventBus> {
  const topology = config.redis.topology;
  return topology
    ? await RedisEventBus.connect(() => connectRedisTopology(topology), config.redis.keyPrefix)
    : new MemoryEventBus();
}

/** Receipts go out through the configured SMTP server; without SMTP_URL there is no mailer and none is sent. */
export function pickMailer(config: Config): Mailer | null {
  return config.links.smtpUrl ? new SmtpMailer(config.links.smtpUrl, config.links.receiptFrom) : null;
}

/** The adapter PROCESSOR names, built from settings the configuration has already checked. */
export function pickProcessor(settings: ProcessorSettings, parts: { vault: Vault; store: KeyValueStore; vaultKey: Buffer; clock?: Clock }): Processor {
  switch (settings.kind) {
    case 'sandbox':
      return new SandboxProcessor(parts.vault, parts.store, {
        latencyMs: settings.sandbox.latencyMs,
        tokenSecret: sandboxTokenSecret(settings, parts.vaultKey),
        bankDebitSettleMs: settings.sandbox.bankDebitSettleSeconds * 1000,
        // Bank debits settle on the gateway's clock, which tests move instead of waiting.
        ...(parts.clock ? { now: () => parts.clock!.now() } : {}),
      });
    case 'stripe':
      if (!settings.stripe) throw new Error('STRIPE_SECRET_KEY: required when PROCESSOR=stripe');
      return new StripeProcessor(parts.vault, settings.stripe);
    case 'connector':
      if (!settings.connector) throw new Error('CONNECTOR_URL and CONNECTOR_SECRET: required when PROCESSOR=connector');
      return new HttpsConnector(parts.vault, settings.connector);
  }
}

/**
 * The reader of Stripe's signed events (`/webhooks/stripe`): with PROCESSOR=stripe and
 * STRIPE_WEBHOOK_SECRET only; null otherwise, and the route answers 503. It confirms each event with
 * the gateway's own Stripe adapter (or, when a test swapped the processor, one built from the settings).
 */
export function pickProcessorEvents(settings: ProcessorSettings, processor: Processor, vault: Vault): ProcessorEvents | null {
  if (settings.kind !== 'stripe' || !settings.stripeWebhookSecret || !settings.stripe) return null;
  const stripe = processor instanceof StripeProcessor ? processor : new StripeProcessor(vault, settings.stripe);
  return new StripeEvents(settings.stripeWebhookSecret, stripe);
}

/**
 * The sandbox's saved-card token key: SANDBOX_TOKEN_SECRET, or one derived from VAULT_KEY (never the
 * vault key itself), so saved tokens stay stable across restarts and processes without another setting.
 */
export function sandboxTokenSecret(settings: ProcessorSettings, vaultKey: Buffer): Buffer {
  if (settings.sandbox.tokenSecret) return Buffer.from(settings.sandbox.tokenSecret, 'utf8');
  return createHmac('sha256', vaultKey).update('sandbox saved-card tokens').digest();
}

/** Webhook deliveries survive restarts in BullMQ on the gateway's Redis; with the memory store they live in the process. */
export function pickWebhookQueue(config: Config, logger: Logger, store: KeyValueStore | null): JobQueue {
  const topology = config.redis.topology;
  // A store handed in by a test (or a second in-process gateway) is not the configured Redis.
  if (!topology || store) return new MemoryJobQueue(config.webhooks.retryDelaysMs);
  return new BullmqJobQueue(topology, {
    name: 'webhook-deliveries',
    keyPrefix: config.redis.keyPrefix,
    retryDelaysMs: config.webhooks.retryDelaysMs,
    stalledAfterMs: config.webhooks.stalledAfterMs,
    concurrency: 16,
    closeWaitMs: config.webhooks.attemptTimeoutMs + 1000,
    logger,
  });
}
