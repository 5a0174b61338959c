import { z } from 'zod';

/** The processor adapters a gateway can be started with. */
export const PROCESSOR_KINDS = ['sandbox', 'stripe', 'connector'] as const;
export type ProcessorKind = (typeof PROCESSOR_KINDS)[number];

export interface StripeSettings {
  readonly secretKey: string;
  /** Suffix Stripe appends to the account's statement descriptor (card payments only take a suffix). */
  readonly statementDescriptor: string | null;
  /** A proxy or a Stripe-shaped server; null means api.stripe.com. */
  readonly apiUrl: string | null;
}

export interface ConnectorSettings {
  readonly url: string;
  readonly secret: string;
  readonly timeoutMs: number;
}

export interface ProcessorSettings {
  readonly stripe: StripeSettings | null;
  readonly connector: ConnectorSettings | null;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** Whether a URL may carry card data: https always; plain http only to this machine, outside production. */
export function isAcceptableProcessorUrl(raw: string, production: boolean): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && !production && LOOPBACK_HOSTS.has(url.hostname);
}

// Stripe's own rules for a statement descriptor suffix, checked here so a bad one fails at start
// rather than on every caller's charge.
const statementDescriptor = z
  .string()
  .max(22, 'must be at most 22 characters')
  .regex(/^[^<>\\'"*]*$/, 'must not contain < > \\ \' " or *')
  .regex(/[A-Za-z]/, 'must contain at least one letter');

const text = (env: NodeJS.ProcessEnv, name: string): string | undefined => {
  const value = env[name]?.trim();
  return value ? value : undefined;
};

/**
 * The rules between PROCESSOR and the variables its adapter needs, one line per problem in the
 * same `NAME: reason` form as the rest of the configuration.
 */
export function processorProblems(env: NodeJS.ProcessEnv): string[] {
  const problems: string[] = [];
  const kind = text(env, 'PROCESSOR') ?? 'sandbox';
  const production = text(env, 'NODE_ENV') === 'production';

  const stripeKey = text(env, 'STRIPE_SECRET_KEY');
  if (kind === 'stripe' && !stripeKey) problems.push('STRIPE_SECRET_KEY: required when PROCESSOR=stripe');
  if (stripeKey && !/^(sk|rk)_(live|test)_[A-Za-z0-9]{10,}$/.test(stripeKey)) {
    problems.push('STRIPE_SECRET_KEY: must be a Stripe secret or restricted key (sk_live_…, sk_test_…, rk_…)');
  }
  const descriptor = text(env, 'STRIPE_STATEMENT_DESCRIPTOR');
  if (descriptor !== undefined) {
    const checked = statementDescriptor.safeParse(descriptor);
    if (!checked.success) problems.push(`STRIPE_STATEMENT_DESCRIPTOR: ${checked.error.issues[0]!.message}`);
  }
  const stripeUrl = text(env, 'STRIPE_API_URL');
  if (stripeUrl !== undefined && !isAcceptableProcessorUrl(stripeUrl, production)) {
    problems.push('STRIPE_API_URL: must be an https:// URL (http:// only to a loopback address outside production)');
  } else if (stripeUrl !== undefined && !/^https?:\/\/[^/?#]+\/?$/.test(stripeUrl)) {
    // The Stripe client takes a host, a port and a protocol: a path would be silently dropped.
    problems.push('STRIPE_API_URL: must be a scheme, host and optional port only, without a path');
  }

  const connectorUrl = text(env, 'CONNECTOR_URL');
  const connectorSecret = text(env, 'CONNECTOR_SECRET');
  if (kind === 'connector' && !connectorUrl) problems.push('CONNECTOR_URL: required when PROCESSOR=connector');
  if (kind === 'connector' && !connectorSecret) problems.push('CONNECTOR_SECRET: required when PROCESSOR=connector');
  if (connectorUrl !== undefined && !isAcceptableProcessorUrl(connectorUrl, production)) {
    problems.push('CONNECTOR_URL: must be an https:// URL (http:// only to a loopback address outside production)');
  }
  if (connectorSecret !== undefined && connectorSecret.length < 32) {
    problems.push('CONNECTOR_SECRET: must be at least 32 characters (openssl rand -hex 32)');
  }
  const timeout = text(env, 'CONNECTOR_TIMEOUT_MS');
  if (timeout !== undefined && (!/^\d+$/.test(timeout) || Number(timeout) < 100 || Number(timeout) > 60_000)) {
    problems.push('CONNECTOR_TIMEOUT_MS: must be a whole number from 100 to 60000');
  }
  return problems;
}

/** The adapter settings for a configuration that `processorProblems` found nothing wrong with. */
export function processorSettings(env: NodeJS.ProcessEnv): ProcessorSettings {
  const stripeKey = text(env, 'STRIPE_SECRET_KEY');
  const connectorUrl = text(env, 'CONNECTOR_URL');
  const connectorSecret = text(env, 'CONNECTOR_SECRET');
  return Object.freeze({
    stripe: stripeKey
      ? Object.freeze({
          secretKey: stripeKey,
          statementDescriptor: text(env, 'STRIPE_STATEMENT_DESCRIPTOR') ?? null,
          apiUrl: text(env, 'STRIPE_API_URL') ?? null,
        })
      : null,
    connector:
      connectorUrl && connectorSecret
        ? Object.freeze({ url: connectorUrl, secret: connectorSecret, timeoutMs: Number(text(env, 'CONNECTOR_TIMEOUT_MS') ?? 5000) })
        : null,
  });
}
