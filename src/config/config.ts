import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { operationsProblems, operationsSettings, type OperationsSettings } from './operationsConfig';
import { bridgeProblems, bridgeSettings, type BridgeSettings } from './bridgeConfig';
import { redisTopology, redisTopologyProblems, redisUrlRequired, type RedisTopology } from './redisTopology';
import { parseTrustProxy, type TrustProxy } from './trustProxy';
import { PROCESSOR_KINDS, processorProblems, processorSettings, type ProcessorKind, type ProcessorSettings } from './processorConfig';
import { productionProblems } from './productionConfig';

/** The gateway's configuration: validated once at start, frozen, and passed down explicitly. */
export interface Config {
  readonly env: 'development' | 'production' | 'test';
  readonly port: number;
  readonly publicBaseUrl: string;
  readonly logLevel: string;
  /** Null only outside production: signature checks are then skipped (with a warning at start). */
  readonly twilioAuthToken: string | null;
  readonly twilioAccountSid: string | null;
  readonly apiKey: string;
  readonly redisUrl: string | null;
  readonly redisKeyPrefix: string;
  /** 32 bytes. */
  readonly vaultKey: Buffer;
  readonly processor: ProcessorKind;
  /** What the chosen adapter needs (Stripe key, connector URL and secret); null for adapters not configured. */
  readonly processors: ProcessorSettings;
  /** The shared store's servers (REDIS_MODE); null for the embedded memory store. */
  readonly redis: RedisTopology | null;
  /** Shutdown and metrics settings. */
  readonly operations: OperationsSettings;
  /** Agent-assisted payments: call bridge, recording, call control. */
  readonly bridge: BridgeSettings;
  readonly sandboxLatencyMs: number;
  readonly processorTimeoutMs: number;
  /** How long from the start of a charge a caller holds before hearing that the result will follow. */
  readonly processorHoldLimitSeconds: number;
  /** How often each process looks for pending charges to ask the processor about. */
  readonly reconcileIntervalMs: number;
  readonly agentDial: string | null;
  readonly flowsDir: string;
  readonly defaultFlow: string;
  readonly paymentTtlSeconds: number;
  readonly sessionTtlSeconds: number;
  readonly vaultTtlSeconds: number;
  /** How long a pay link works unless its payment says otherwise. */
  readonly linkTtlSeconds: number;
  /** Where receipts of link payments are sent from; null sends none. */
  readonly smtpUrl: string | null;
  readonly receiptFrom: string;
  /** Who the payment page says is asking for the money. */
  readonly merchantName: string;
  /** Requests per minute to pay pages: per link, and per client address. */
  readonly payRateLimitPerLink: number;
  readonly payRateLimitPerClient: number;
  /** How long the store keeps each audit entry of the agent panel (AUDIT_RETENTION_DAYS). */
  readonly auditRetentionDays: number;
  /** The proxies whose X-Forwarded-For names the client (TRUST_PROXY); false trusts none. */
  readonly trustProxy: TrustProxy;
  /** Secrets generated because development left them unset; printed once at start. */
  readonly generated: { readonly apiKey?: string; readonly vaultKey?: string };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `- ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const optionalText = z
  .string()
  .trim()
  .transform((s) => (s === '' ? undefined : s))
  .optional();

const intWithDefault = (fallback: number, min: number, max: number) =>
  z
    .string()
    .trim()
    .optional()
    .transform((s) => (s === undefined || s === '' ? String(fallback) : s))
    .pipe(z.string().regex(/^\d+$/, 'must be a whole number'))
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const envSchema = z.object({
  NODE_ENV: z
    .enum(['development', 'production', 'test'], { message: 'must be development, production or test' })
    .default('development'),
  PORT: intWithDefault(3000, 0, 65535),
  PUBLIC_BASE_URL: optionalText.pipe(
    z
      .string()
      .url('must be an absolute http(s) URL')
      .refine((u) => /^https?:\/\//.test(u), 'must be an absolute http(s) URL')
      .optional(),
  ),
  LOG_LEVEL: z.enum(['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly']).default('info'),
  TWILIO_AUTH_TOKEN: optionalText.pipe(z.string().min(16, 'looks too short for a Twilio auth token').optional()),
  TWILIO_ACCOUNT_SID: optionalText.pipe(z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must look like AC followed by 32 hex digits').optional()),
  API_KEY: optionalText.pipe(z.string().min(24, 'must be at least 24 characters').optional()),
  REDIS_URL: optionalText.pipe(z.string().regex(/^rediss?:\/\/.+/, 'must be a redis:// or rediss:// URL').optional()),
  REDIS_KEY_PREFIX: z.string().default('ccg:'),
  VAULT_KEY: optionalText.pipe(
    z
      .string()
      // Buffer.from skips invalid characters silently, so the alphabet is checked first.
      .refine(
        (s) => /^[A-Za-z0-9+/_-]+={0,2}$/.test(s) && Buffer.from(s, 'base64').length === 32,
        'must be base64 of exactly 32 bytes (openssl rand -base64 32)',
      )
      .optional(),
  ),
  PROCESSOR: z.enum(PROCESSOR_KINDS, { message: `must be one of: ${PROCESSOR_KINDS.join(', ')}` }).default('sandbox'),
  SANDBOX_LATENCY_MS: intWithDefault(0, 0, 60_000),
  PROCESSOR_TIMEOUT_MS: intWithDefault(8000, 100, 12_000),
  PROCESSOR_HOLD_LIMIT_SECONDS: intWithDefault(45, 15, 3600),
  RECONCILE_INTERVAL_MS: intWithDefault(5000, 100, 600_000),
  AGENT_DIAL: optionalText.pipe(
    z
      .string()
      .regex(/^(\+[1-9]\d{6,14}|sip:.+|client:[A-Za-z0-9_.-]+)$/, 'must be a +E.164 number, a sip: address or a client: identity')
      .optional(),
  ),
  FLOWS_DIR: z.string().default('flows'),
  DEFAULT_FLOW: z.string().default('default'),
  PAYMENT_TTL_SECONDS: intWithDefault(86_400, 60, 30 * 86_400),
  SESSION_TTL_SECONDS: intWithDefault(7200, 60, 86_400),
  VAULT_TTL_SECONDS: intWithDefault(1800, 60, 86_400),
  LINK_TTL_SECONDS: intWithDefault(900, 60, 7 * 86_400),
  SMTP_URL: optionalText.pipe(z.string().regex(/^smtps?:\/\/.+/, 'must be an smtp:// or smtps:// URL').optional()),
  RECEIPT_FROM: optionalText.pipe(z.string().max(200).optional()),
  MERCHANT_NAME: optionalText.pipe(z.string().max(80, 'must be at most 80 characters').optional()),
  PAY_RATE_LIMIT_PER_LINK: intWithDefault(30, 1, 10_000),
  PAY_RATE_LIMIT_PER_CLIENT: intWithDefault(120, 1, 100_000),
  // PCI DSS 10.5.1: a year of audit history, the last three months at hand.
  AUDIT_RETENTION_DAYS: intWithDefault(365, 90, 3650),
});

const REQUIRED_IN_PRODUCTION = ['TWILIO_AUTH_TOKEN', 'API_KEY', 'VAULT_KEY', 'REDIS_URL'] as const;

/**
 * Reads and checks the environment. Fails with every problem at once, one line each, so an operator
 * fixes a deployment in one go. Production needs every secret; development generates what is missing.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push(`${issue.path.join('.')}: ${issue.message}`);
    }
  }
  const isProduction = (env.NODE_ENV ?? '').trim() === 'production';
  problems.push(...processorProblems(env));
  problems.push(...redisTopologyProblems(env), ...operationsProblems(env));
  problems.push(...bridgeProblems(env));
  const trustProxy = parseTrustProxy(env.TRUST_PROXY);
  if ('problem' in trustProxy) problems.push(trustProxy.problem);
  if (isProduction) {
    for (const name of REQUIRED_IN_PRODUCTION) {
      if (name === 'REDIS_URL' && !redisUrlRequired(env)) continue;
      if (!env[name]?.trim()) problems.push(`${name}: required when NODE_ENV=production`);
    }
  }
  problems.push(...productionProblems(env));
  // One line per problem: a value can fail two rules that say the same thing.
  if (!parsed.success || problems.length > 0 || 'problem' in trustProxy) throw new ConfigError([...new Set(problems)]);
  const e = parsed.data;

  const generated: { apiKey?: string; vaultKey?: string } = {};
  const apiKey = e.API_KEY ?? (generated.apiKey = randomBytes(24).toString('base64url'));
  const vaultKeyBase64 = e.VAULT_KEY ?? (generated.vaultKey = randomBytes(32).toString('base64'));
  const publicBaseUrl = (e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');

  return Object.freeze({
    env: e.NODE_ENV,
    port: e.PORT,
    publicBaseUrl,
    logLevel: e.LOG_LEVEL,
    twilioAuthToken: e.TWILIO_AUTH_TOKEN ?? null,
    twilioAccountSid: e.TWILIO_ACCOUNT_SID ?? null,
    apiKey,
    redisUrl: e.REDIS_URL ?? null,
    redisKeyPrefix: e.REDIS_KEY_PREFIX,
    vaultKey: Buffer.from(vaultKeyBase64, 'base64'),
    processor: e.PROCESSOR,
    processors: processorSettings(env),
    redis: redisTopology(env),
    operations: operationsSettings(env),
    bridge: bridgeSettings(env),
    sandboxLatencyMs: e.SANDBOX_LATENCY_MS,
    processorTimeoutMs: e.PROCESSOR_TIMEOUT_MS,
    processorHoldLimitSeconds: e.PROCESSOR_HOLD_LIMIT_SECONDS,
    reconcileIntervalMs: e.RECONCILE_INTERVAL_MS,
    agentDial: e.AGENT_DIAL ?? null,
    flowsDir: e.FLOWS_DIR,
    defaultFlow: e.DEFAULT_FLOW,
    paymentTtlSeconds: e.PAYMENT_TTL_SECONDS,
    sessionTtlSeconds: e.SESSION_TTL_SECONDS,
    vaultTtlSeconds: e.VAULT_TTL_SECONDS,
    linkTtlSeconds: e.LINK_TTL_SECONDS,
    smtpUrl: e.SMTP_URL ?? null,
    receiptFrom: e.RECEIPT_FROM ?? 'Payments <payments@localhost>',
    merchantName: e.MERCHANT_NAME ?? 'Card capture gateway',
    payRateLimitPerLink: e.PAY_RATE_LIMIT_PER_LINK,
    payRateLimitPerClient: e.PAY_RATE_LIMIT_PER_CLIENT,
    auditRetentionDays: e.AUDIT_RETENTION_DAYS,
    trustProxy: trustProxy.value,
    generated: Object.freeze(generated),
  });
}
