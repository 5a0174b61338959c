import { z } from 'zod';
import { CARD_BRANDS } from '../domain/cardBrand';
import { PROMPT_KEYS, PROMPT_PLACEHOLDERS } from './promptKeys';

export const CAPTURE_FIELDS = ['cardNumber', 'expiry', 'securityCode'] as const;
export type CaptureField = (typeof CAPTURE_FIELDS)[number];

const tries = z.number().int().min(1).max(5);
const seconds = z.number().int().min(3).max(60);

const promptText = z
  .string()
  .min(1)
  .max(600)
  .superRefine((text, ctx) => {
    for (const [, name] of text.matchAll(/\{([^}]*)\}/g)) {
      if (!(PROMPT_PLACEHOLDERS as readonly string[]).includes(name ?? '')) {
        ctx.addIssue({
          code: 'custom',
          message: `unknown placeholder {${name}}; allowed: ${PROMPT_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`,
        });
      }
    }
  });

const prompts = z
  .record(z.string(), promptText)
  .superRefine((map, ctx) => {
    for (const key of PROMPT_KEYS) {
      if (!(key in map)) ctx.addIssue({ code: 'custom', path: [key], message: 'prompt is missing' });
    }
    for (const key of Object.keys(map)) {
      if (!(PROMPT_KEYS as readonly string[]).includes(key)) {
        ctx.addIssue({ code: 'custom', path: [key], message: 'not a prompt this gateway uses (misspelt?)' });
      }
    }
  });

const locale = z.object({
  /** Twilio `<Say language>`. */
  language: z.string().regex(/^[a-z]{2}-[A-Z]{2}$/, 'must look like en-US'),
  /** Twilio `<Say voice>`, e.g. "Polly.Joanna"; Twilio's default voice when absent. */
  voice: z.string().min(1).optional(),
  prompts,
});

/** A flow: what a capture asks, in which order, how patiently, and in which words. Data, not code. */
export const flowSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/, 'must be lower-case letters, digits and dashes'),
    version: z.number().int().min(1),
    description: z.string().max(200).optional(),
    defaultLocale: z.string(),
    locales: z.record(z.string(), locale).refine((l) => Object.keys(l).length > 0, 'at least one locale'),
    fieldOrder: z
      .array(z.enum(CAPTURE_FIELDS))
      .length(3)
      .refine((order) => new Set(order).size === 3, 'each field exactly once')
      .refine(
        (order) => order.indexOf('cardNumber') < order.indexOf('securityCode'),
        'cardNumber must come before securityCode (its length depends on the brand)',
      ),
    tries: z.object({ payCode: tries, cardNumber: tries, expiry: tries, securityCode: tries, choice: tries }).strict(),
    timeoutSeconds: z
      .object({ payCode: seconds, cardNumber: seconds, expiry: seconds, securityCode: seconds, choice: seconds })
      .strict(),
    acceptedBrands: z.array(z.enum(CARD_BRANDS as [string, ...string[]])).min(1),
    expiryMaxYearsAhead: z.number().int().min(1).max(30),
    /** How many cards a caller may try in one call: a decline with tries left offers another card. */
    maxCardAttempts: z.number().int().min(1).max(5),
    maxReferenceRepeats: z.number().int().min(0).max(5),
    /** When true the capture waits after a valid card number until the agent confirms it. */
    agentConfirmsCardNumber: z.boolean(),
    agentConfirmTimeoutSeconds: z.number().int().min(10).max(600).default(120),
  })
  .strict()
  .superRefine((flow, ctx) => {
    if (!(flow.defaultLocale in flow.locales)) {
      ctx.addIssue({ code: 'custom', path: ['defaultLocale'], message: `no locale "${flow.defaultLocale}" in locales` });
    }
  });

export type Flow = z.infer<typeof flowSchema>;
