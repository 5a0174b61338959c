import { z } from 'zod';
import { EVEN_WITH_MALFORMED_VALUES, intWithDefault, isProduction, optional, optionalText, problem, readOnly } from './fields';

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

/** The processor adapter and how the gateway waits for it. */
export interface ProcessorSettings {
  readonly kind: ProcessorKind;
  /** How long a webhook waits for the processor before the caller is put on hold. */
  readonly timeoutMs: number;
  /** How long from the start of a charge a caller holds before hearing that the result will follow. */
  readonly holdLimitSeconds: number;
  /** How often each process looks for pending charges to ask the processor about. */
  readonly reconcileIntervalMs: number;
  /** How long a `capture: "manual"` payment's authorisation holds before it is canceled (Stripe holds card authorisations 7 days). */
  readonly authorizationTtlSeconds: number;
  /** `tokenSecret`: key of the sandbox's saved-card tokens; null derives one from VAULT_KEY. */
  readonly sandbox: { readonly latencyMs: number; readonly tokenSecret: string | null; readonly bankDebitSettleSeconds: number };
  /** What the Stripe adapter needs; null when STRIPE_SECRET_KEY is unset. */
  readonly stripe: StripeSettings | null;
  /** What the connector needs; null unless both CONNECTOR_URL and CONNECTOR_SECRET are set. */
  readonly connector: ConnectorSettings | null;
  /**
   * The signing secret (`whsec_…`) of the Stripe webhook endpoint that posts to `/webhooks/stripe`;
   * null: that route answers 503 (refused at start in production with PROCESSOR=stripe).
   */
  readonly stripeWebhookSecret: string | null;
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
const STATEMENT_DESCRIPTOR_RULES: ReadonlyArray<readonly [(s: string) => boolean, string]> = [
  [(s) => s.length <= 22, 'must be at most 22 characters'],
  [(s) => /^[^<>\\'"*]*$/.test(s), 'must not contain < > \\ \' " or *'],
  [(s) => /[A-Za-z]/.test(s), 'must contain at least one letter'],
];

/** One line for a descriptor however many of Stripe's rules it breaks: the first of them. */
const statementDescriptor = z.string().superRefine((s, ctx) => {
  const broken = STATEMENT_DESCRIPTOR_RULES.find(([holds]) => !holds(s));
  if (broken) ctx.addIssue({ code: 'custom', message: broken[1] });
});

/**
 * PROCESSOR and the variables of its adapter, with the rules between them. Production needs the
 * processor named, even the sandbox, rather than falling back to it silently.
 */
export const processorSchema = z
  .object({
    // Not trimmed: a blank PROCESSOR is refused as not one of the adapters, never taken for the default.
    PROCESSOR: z.enum(PROCESSOR_KINDS, { message: `must be one of: ${PROCESSOR_KINDS.join(', ')}` }).optional(),
    SANDBOX_LATENCY_MS: intWithDefault(0, 0, 60_000),
    SANDBOX_ACH_SETTLE_SECONDS: intWithDefault(60, 0, 30 * 86_400),
    SANDBOX_TOKEN_SECRET: optional(z.string().min(32, 'must be at least 32 characters (openssl rand -hex 32)')),
    PROCESSOR_TIMEOUT_MS: intWithDefault(8000, 100, 12_000),
    PROCESSOR_HOLD_LIMIT_SECONDS: intWithDefault(45, 15, 3600),
    RECONCILE_INTERVAL_MS: intWithDefault(5000, 100, 600_000),
    // Never longer than Stripe's 7 days: a longer wait would offer a capture the processor has already let go.
    AUTHORIZATION_TTL_SECONDS: intWithDefault(7 * 86_400, 60, 7 * 86_400),
    STRIPE_SECRET_KEY: optional(
      z.string().regex(/^(sk|rk)_(live|test)_[A-Za-z0-9]{10,}$/, 'must be a Stripe secret or restricted key (sk_live_…, sk_test_…, rk_…)'),
    ),
    STRIPE_STATEMENT_DESCRIPTOR: optional(statementDescriptor),
    STRIPE_WEBHOOK_SECRET: optional(z.string().regex(/^whsec_[A-Za-z0-9+/=_-]{16,}$/, "must be the endpoint's signing secret from Stripe's dashboard (whsec_…)")),
    // Whether a processor URL is acceptable depends on NODE_ENV: the rules below check them.
    STRIPE_API_URL: optionalText,
    CONNECTOR_URL: optionalText,
    CONNECTOR_SECRET: optional(z.string().min(32, 'must be at least 32 characters (openssl rand -hex 32)')),
    CONNECTOR_TIMEOUT_MS: optional(
      z.string().refine((s) => /^\d+$/.test(s) && Number(s) >= 100 && Number(s) <= 60_000, 'must be a whole number from 100 to 60000'),
    ),
    NODE_ENV: readOnly,
  })
  .superRefine((v, ctx) => {
    const production = isProduction(v.NODE_ENV);
    // A padded name is refused as no adapter, yet its adapter's variables are still checked as meant.
    const kind = v.PROCESSOR?.trim() ?? 'sandbox';
    if (kind === 'stripe' && v.STRIPE_SECRET_KEY === undefined) problem(ctx, 'STRIPE_SECRET_KEY', 'required when PROCESSOR=stripe');
    // Without it Stripe's own word on charges (settled bank debits, expired authorisations) could not be
    // checked: production refuses to start rather than ignore it or take it unsigned.
    if (production && kind === 'stripe' && v.STRIPE_WEBHOOK_SECRET === undefined) {
      problem(ctx, 'STRIPE_WEBHOOK_SECRET', 'required when PROCESSOR=stripe and NODE_ENV=production (the signing secret whsec_… of the webhook endpoint)');
    }
    const stripeUrl = v.STRIPE_API_URL;
    if (stripeUrl !== undefined && !isAcceptableProcessorUrl(stripeUrl, production)) {
      problem(ctx, 'STRIPE_API_URL', 'must be an https:// URL (http:// only to a loopback address outside production)');
    } else if (stripeUrl !== undefined && !/^https?:\/\/[^/?#]+\/?$/.test(stripeUrl)) {
      // The Stripe client takes a host, a port and a protocol: a path would be silently dropped.
      problem(ctx, 'STRIPE_API_URL', 'must be a scheme, host and optional port only, without a path');
    }
    if (kind === 'connector' && v.CONNECTOR_URL === undefined) problem(ctx, 'CONNECTOR_URL', 'required when PROCESSOR=connector');
    if (kind === 'connector' && v.CONNECTOR_SECRET === undefined) problem(ctx, 'CONNECTOR_SECRET', 'required when PROCESSOR=connector');
    if (v.CONNECTOR_URL !== undefined && !isAcceptableProcessorUrl(v.CONNECTOR_URL, production)) {
      problem(ctx, 'CONNECTOR_URL', 'must be an https:// URL (http:// only to a loopback address outside production)');
    }
    if (production && v.PROCESSOR === undefined) problem(ctx, 'PROCESSOR', 'required when NODE_ENV=production (sandbox, stripe or connector)');
  }, EVEN_WITH_MALFORMED_VALUES)
  .transform(
    (v): ProcessorSettings =>
      Object.freeze({
        kind: v.PROCESSOR ?? 'sandbox',
        timeoutMs: v.PROCESSOR_TIMEOUT_MS,
        holdLimitSeconds: v.PROCESSOR_HOLD_LIMIT_SECONDS,
        reconcileIntervalMs: v.RECONCILE_INTERVAL_MS,
        authorizationTtlSeconds: v.AUTHORIZATION_TTL_SECONDS,
        sandbox: Object.freeze({ latencyMs: v.SANDBOX_LATENCY_MS, tokenSecret: v.SANDBOX_TOKEN_SECRET ?? null, bankDebitSettleSeconds: v.SANDBOX_ACH_SETTLE_SECONDS }),
        stripe: v.STRIPE_SECRET_KEY
          ? Object.freeze({
              secretKey: v.STRIPE_SECRET_KEY,
              statementDescriptor: v.STRIPE_STATEMENT_DESCRIPTOR ?? null,
              apiUrl: v.STRIPE_API_URL ?? null,
            })
          : null,
        connector:
          v.CONNECTOR_URL && v.CONNECTOR_SECRET
            ? Object.freeze({ url: v.CONNECTOR_URL, secret: v.CONNECTOR_SECRET, timeoutMs: Number(v.CONNECTOR_TIMEOUT_MS ?? 5000) })
            : null,
        stripeWebhookSecret: v.STRIPE_WEBHOOK_SECRET ?? null,
      }),
  );
