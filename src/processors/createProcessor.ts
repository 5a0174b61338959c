import type { Config } from '../config/config';
import type { KeyValueStore } from '../ports/keyValueStore';
import type { Processor } from '../ports/processor';
import type { Vault } from '../ports/vault';
import { HttpsConnector } from './httpsConnector';
import { SandboxProcessor } from './sandboxProcessor';
import { StripeProcessor } from './stripeProcessor';

/** The adapter PROCESSOR names, built from settings the configuration has already checked. */
export function createProcessor(config: Config, parts: { vault: Vault; store: KeyValueStore }): Processor {
  switch (config.processor) {
    case 'sandbox':
      return new SandboxProcessor(parts.vault, parts.store, { latencyMs: config.sandboxLatencyMs });
    case 'stripe':
      if (!config.processors.stripe) throw new Error('STRIPE_SECRET_KEY: required when PROCESSOR=stripe');
      return new StripeProcessor(parts.vault, config.processors.stripe);
    case 'connector':
      if (!config.processors.connector) throw new Error('CONNECTOR_URL and CONNECTOR_SECRET: required when PROCESSOR=connector');
      return new HttpsConnector(parts.vault, config.processors.connector);
  }
}
