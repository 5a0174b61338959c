import { z } from 'zod';
import { bridgeSchema, type BridgeSettings } from './bridgeConfig';
import { intWithDefault, optional } from './fields';
import { httpSchema, type HttpSettings } from './httpConfig';
import { operationsSchema, type OperationsSettings } from './operationsConfig';
import { processorSchema, type ProcessorSettings } from './processorConfig';
import { recordingSchema, type RecordingSettings } from './recordingConfig';
import { redisSchema, type RedisSettings } from './redisTopology';
import { keysSchema, twilioSchema, type KeySettings, type TwilioSettings } from './secretsConfig';
import { webhooksSchema, type WebhookSettings } from './webhooksConfig';

/** The gateway's configuration: read once at start, frozen through and through, and passed down explicitly. */
export interface Config {
  readonly env: 'development' | 'production' | 'test';
  readonly logLevel: LogLevel;
  /** Bearer key of /api/*. */
  readonly apiKey: string;
  /** 32 bytes; encrypts card data at rest. */
  readonly vaultKey: Buffer;
  /** Keys generated because development left them unset; printed once at start. */
  readonly generated: KeySettings['generated'];
  /** Port, public URL, trusted proxies. */
  readonly http: HttpSettings;
  readonly twilio: TwilioSettings;
  /** The shared store; its topology is null for the embedded memory store. */
  readonly redis: RedisSettings;
  /** The processor adapter, its settings, and how long callers wait for it. */
  readonly processor: ProcessorSettings;
  /** Agent-assisted payments: call bridge, recording, call control. */
  readonly bridge: BridgeSettings;
  /** The gateway's own recordings of relayed calls: folder and retention. */
  readonly recordings: RecordingSettings;
  readonly flows: FlowSettings;
  /** How long each kind of record lives. */
  readonly ttl: TtlSettings;
  /** Pay links: the page, its receipts and its rate limits. */
  readonly links: LinkSettings;
  /** Shutdown and metrics. */
  readonly operations: OperationsSettings;
  readonly audit: AuditSettings;
  /** Merchant event webhooks: retries, time-outs, the expiry check. */
  readonly webhooks: WebhookSettings;
}

export const LOG_LEVELS = ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface FlowSettings {
  /** Folder of flow files. */
  readonly dir: string;
  /** The flow of /voice/incoming and of payments that name none. */
  readonly defaultFlow: string;
}

export interface TtlSettings {
  /** How long a pending payment's pay code works. */
  readonly paymentSeconds: number;
  /** How long an idle call's state is kept. */
  readonly sessionSeconds: number;
  /** How long an encrypted card field may live in the vault. */
  readonly vaultSeconds: number;
  /** How long a pay link works unless its payment says otherwise. */
  readonly linkSeconds: number;
  /** How long an Idempotency-Key of `POST /api/payments` answers with the payment it created. */
  readonly idempotencySeconds: number;
}

export interface LinkSettings {
  /** Who the payment page says is asking for the money. */
  readonly merchantName: string;
  /** Where receipts (of any payment with an email) are sent from; null sends none. */
  readonly smtpUrl: string | null;
  readonly receiptFrom: string;
  /** Requests per minute to pay pages: per link, and per client address. */
  readonly rateLimitPerLink: number;
  readonly rateLimitPerClient: number;
}

export interface AuditSettings {
  /** How long the store keeps each audit entry of the agent panel. */
  readonly retentionDays: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `- ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const envSchema = z
  .object({
    NODE_ENV: z
      .enum(['development', 'production', 'test'], { message: 'must be development, production or test' })
      .default('development'),
  })
  .transform((v) => v.NODE_ENV);

const logLevelSchema = z.object({ LOG_LEVEL: z.enum(LOG_LEVELS).default('info') }).transform((v) => v.LOG_LEVEL);

const flowsSchema = z
  .object({ FLOWS_DIR: z.string().default('flows'), DEFAULT_FLOW: z.string().default('default') })
  .transform((v): FlowSettings => Object.freeze({ dir: v.FLOWS_DIR, defaultFlow: v.DEFAULT_FLOW }));

const ttlSchema = z
  .object({
    PAYMENT_TTL_SECONDS: intWithDefault(86_400, 60, 30 * 86_400),
    SESSION_TTL_SECONDS: intWithDefault(7200, 60, 86_400),
    VAULT_TTL_SECONDS: intWithDefault(1800, 60, 86_400),
    LINK_TTL_SECONDS: intWithDefault(900, 60, 7 * 86_400),
    IDEMPOTENCY_TTL_SECONDS: intWithDefault(86_400, 60, 7 * 86_400),
  })
  .transform(
    (v): TtlSettings =>
      Object.freeze({
        paymentSeconds: v.PAYMENT_TTL_SECONDS,
        sessionSeconds: v.SESSION_TTL_SECONDS,
        vaultSeconds: v.VAULT_TTL_SECONDS,
        linkSeconds: v.LINK_TTL_SECONDS,
        idempotencySeconds: v.IDEMPOTENCY_TTL_SECONDS,
      }),
  );

const linksSchema = z
  .object({
    MERCHANT_NAME: optional(z.string().max(80, 'must be at most 80 characters')),
    SMTP_URL: optional(z.string().regex(/^smtps?:\/\/.+/, 'must be an smtp:// or smtps:// URL')),
    RECEIPT_FROM: optional(z.string().max(200)),
    PAY_RATE_LIMIT_PER_LINK: intWithDefault(30, 1, 10_000),
    PAY_RATE_LIMIT_PER_CLIENT: intWithDefault(120, 1, 100_000),
  })
  .transform(
    (v): LinkSettings =>
      Object.freeze({
        merchantName: v.MERCHANT_NAME ?? 'Card capture gateway',
        smtpUrl: v.SMTP_URL ?? null,
        receiptFrom: v.RECEIPT_FROM ?? 'Payments <payments@localhost>',
        rateLimitPerLink: v.PAY_RATE_LIMIT_PER_LINK,
        rateLimitPerClient: v.PAY_RATE_LIMIT_PER_CLIENT,
      }),
  );

const auditSchema = z
  // PCI DSS 10.5.1: a year of audit history, the last three months at hand.
  .object({ AUDIT_RETENTION_DAYS: intWithDefault(365, 90, 3650) })
  .transform((v): AuditSettings => Object.freeze({ retentionDays: v.AUDIT_RETENTION_DAYS }));

/**
 * Each section of the configuration, parsed from the whole environment. The order is the order
 * problems are listed in: production's missing secrets first, then its public URL and processor.
 */
const SECTIONS = {
  env: envSchema,
  logLevel: logLevelSchema,
  twilio: twilioSchema,
  keys: keysSchema,
  redis: redisSchema,
  http: httpSchema,
  processor: processorSchema,
  bridge: bridgeSchema,
  recordings: recordingSchema,
  flows: flowsSchema,
  ttl: ttlSchema,
  links: linksSchema,
  operations: operationsSchema,
  audit: auditSchema,
  webhooks: webhooksSchema,
};

/**
 * The environment → Config. Parsing is checking: each variable's format, the rules between
 * variables and what production demands are all in here. Every section sees the same environment,
 * so a problem in one never hides a problem in another.
 */
export const configSchema = z
  .preprocess(
    (env) => Object.fromEntries(Object.keys(SECTIONS).map((name) => [name, env])),
    z.object(SECTIONS),
  )
  .transform(({ keys, ...sections }): Config =>
    Object.freeze({ ...sections, apiKey: keys.apiKey, vaultKey: keys.vaultKey, generated: keys.generated }),
  );

/** `NAME: reason`: the variable a problem is about is the last step of its path. */
function problemLine(issue: z.core.$ZodIssue): string {
  const variable = [...issue.path].reverse().find((step) => typeof step === 'string') ?? issue.path.join('.');
  return `${String(variable)}: ${issue.message}`;
}

/**
 * Reads and checks the environment. Fails with every problem at once, one line each, so an operator
 * fixes a deployment in one go. Production needs every secret; development generates what is missing.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map(problemLine));
  return parsed.data;
}
