import type { ProcessorSettings } from '../config/processorConfig';
import type { KeyValueStore } from '../ports/keyValueStore';
import type { Processor } from '../ports/processor';
import type { Vault } from '../ports/vault';
import { HttpsConnector } from './httpsConnector';
import { SandboxProcessor } from './sandboxProcessor';
import { StripeProcessor } from './stripeProcessor';

/** The adapter PROCESSOR names, built from settings the configuration has already checked. */
export function createProcessor(settings: ProcessorSettings, parts: { vault: Vault; store: KeyValueStore }): Processor {
  switch (settings.kind) {
    case 'sandbox':
      return new SandboxProcessor(parts.vault, parts.store, { latencyMs: settings.sandbox.latencyMs });
    case 'stripe':
      if (!settings.stripe) throw new Error('STRIPE_SECRET_KEY: required when PROCESSOR=stripe');
      return new StripeProcessor(parts.vault, settings.stripe);
    case 'connector':
      if (!settings.connector) throw new Error('CONNECTOR_URL and CONNECTOR_SECRET: required when PROCESSOR=connector');
      return new HttpsConnector(parts.vault, settings.connector);
  }
}
