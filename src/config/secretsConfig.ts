import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { EVEN_WITH_MALFORMED_VALUES, isProduction, optional, problem, readOnly } from './fields';

/** The Twilio account the gateway answers for. */
export interface TwilioSettings {
  /** Null only outside production: signature checks are then skipped (with a warning at start). */
  readonly authToken: string | null;
  readonly accountSid: string | null;
  /** Base URL of Twilio's REST API, without a trailing slash; a local Twilio-shaped server in tests. */
  readonly apiUrl: string;
}

/** The gateway's own keys. */
export interface KeySettings {
  /** Bearer key of /api/*. */
  readonly apiKey: string;
  /** 32 bytes; encrypts card data at rest. */
  readonly vaultKey: Buffer;
  /** Keys generated because development left them unset; printed once at start. */
  readonly generated: { readonly apiKey?: string; readonly vaultKey?: string };
}

export const TWILIO_OWN_API_URL = 'https://api.twilio.com';

const absoluteUrl = z.string().url();

/** TWILIO_AUTH_TOKEN, TWILIO_ACCOUNT_SID and TWILIO_API_URL; production needs the token and an https API. */
export const twilioSchema = z
  .object({
    TWILIO_AUTH_TOKEN: optional(z.string().min(16, 'looks too short for a Twilio auth token')),
    TWILIO_ACCOUNT_SID: optional(z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must look like AC followed by 32 hex digits')),
    // One check, so a value that is no URL at all is one line, not also "not https".
    TWILIO_API_URL: optional(z.string().refine((u) => /^https?:\/\//.test(u) && absoluteUrl.safeParse(u).success, 'must be an absolute http(s) URL')),
    NODE_ENV: readOnly,
  })
  .superRefine((v, ctx) => {
    if (!isProduction(v.NODE_ENV)) return;
    if (v.TWILIO_AUTH_TOKEN === undefined) problem(ctx, 'TWILIO_AUTH_TOKEN', 'required when NODE_ENV=production');
    // Every REST request carries the account's credentials in Basic auth: never in clear text.
    if (v.TWILIO_API_URL !== undefined && /^http:\/\//.test(v.TWILIO_API_URL)) {
      problem(ctx, 'TWILIO_API_URL', 'must be https:// when NODE_ENV=production (requests carry the Twilio credentials)');
    }
  }, EVEN_WITH_MALFORMED_VALUES)
  .transform(
    (v): TwilioSettings =>
      Object.freeze({
        authToken: v.TWILIO_AUTH_TOKEN ?? null,
        accountSid: v.TWILIO_ACCOUNT_SID ?? null,
        // The client appends resource paths to it.
        apiUrl: (v.TWILIO_API_URL ?? TWILIO_OWN_API_URL).replace(/\/+$/, ''),
      }),
  );

/** API_KEY and VAULT_KEY: required in production, generated for the run in development. */
export const keysSchema = z
  .object({
    API_KEY: optional(z.string().min(24, 'must be at least 24 characters')),
    VAULT_KEY: optional(
      z
        .string()
        // Buffer.from skips invalid characters silently, so the alphabet is checked first.
        .refine(
          (s) => /^[A-Za-z0-9+/_-]+={0,2}$/.test(s) && Buffer.from(s, 'base64').length === 32,
          'must be base64 of exactly 32 bytes (openssl rand -base64 32)',
        ),
    ),
    NODE_ENV: readOnly,
  })
  .superRefine((v, ctx) => {
    if (!isProduction(v.NODE_ENV)) return;
    if (v.API_KEY === undefined) problem(ctx, 'API_KEY', 'required when NODE_ENV=production');
    if (v.VAULT_KEY === undefined) problem(ctx, 'VAULT_KEY', 'required when NODE_ENV=production');
  }, EVEN_WITH_MALFORMED_VALUES)
  .transform((v): KeySettings => {
    const generated: { apiKey?: string; vaultKey?: string } = {};
    const apiKey = v.API_KEY ?? (generated.apiKey = randomBytes(24).toString('base64url'));
    const vaultKey = v.VAULT_KEY ?? (generated.vaultKey = randomBytes(32).toString('base64'));
    return Object.freeze({ apiKey, vaultKey: Buffer.from(vaultKey, 'base64'), generated: Object.freeze(generated) });
  });
