import { z } from 'zod';
import { CARD_BRANDS } from '../domain/cardBrand';
import type { PostalCodeRule } from '../domain/postalCode';
import { OPTIONAL_PROMPT_KEYS, PROMPT_KEYS, PROMPT_PLACEHOLDERS, requiredPromptKeys } from './promptKeys';

/** The card's own fields: every capture asks for all three, in the flow's `fieldOrder`. */
export const CAPTURE_FIELDS = ['cardNumber', 'expiry', 'securityCode'] as const;
export type CardField = (typeof CAPTURE_FIELDS)[number];
/**
 * A bank debit's fields (`"method": "ach"`), always in this order: the routing number, the account
 * number, the account number typed again (compared with the first, never kept), the account type.
 */
export const BANK_FIELDS = ['routingNumber', 'accountNumber', 'accountNumberAgain', 'accountType'] as const;
export type BankField = (typeof BANK_FIELDS)[number];
/** Every field a capture may ask for: the card's, the billing postal code of flows that ask it, a bank debit's. */
export type CaptureField = CardField | 'postalCode' | BankField;
export const ALL_CAPTURE_FIELDS: readonly CaptureField[] = [...CAPTURE_FIELDS, 'postalCode', ...BANK_FIELDS];

/** How a flow's payments are taken: a card, or a debit of a US bank account (ACH). */
export const PAYMENT_METHODS = ['card', 'ach'] as const;
export type PaymentMethodKind = (typeof PAYMENT_METHODS)[number];

/**
 * The fields a flow asks for, in order: a bank debit's; else the card's in `fieldOrder`, then the
 * postal code when it asks one.
 */
export function fieldsOf(flow: Pick<Flow, 'fieldOrder' | 'postalCode'> & { method?: PaymentMethodKind }): CaptureField[] {
  if (flow.method === 'ach') return [...BANK_FIELDS];
  return flow.postalCode ? [...flow.fieldOrder, 'postalCode'] : [...flow.fieldOrder];
}

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

const postalCodeLength = z.number().int().min(2).max(10);
const postalCodeRule: z.ZodType<PostalCodeRule> = z.union([
  z.object({ country: z.literal('US') }).strict(),
  z
    .object({
      digits: z
        .tuple([postalCodeLength, postalCodeLength])
        .refine(([min, max]) => min <= max, 'the shortest length comes first and may not exceed the longest'),
    })
    .strict(),
]);

/** Who leads a capture: the flow's own prompts (keypad calls, pay pages), or an agent on the line. */
export const GUIDES = ['prompts', 'agent'] as const;
export type Guide = (typeof GUIDES)[number];

const prompts = z
  .record(z.string(), promptText)
  .superRefine((map, ctx) => {
    for (const key of Object.keys(map)) {
      if (!(PROMPT_KEYS as readonly string[]).includes(key) && !(OPTIONAL_PROMPT_KEYS as readonly string[]).includes(key)) {
        ctx.addIssue({ code: 'custom', path: [key], message: 'not a prompt this gateway uses (misspelt?)' });
      }
    }
  });

const locale = z.object({
  /** Twilio `<Say language>`. */
  language: z.string().regex(/^[a-z]{2}-[A-Z]{2}$/, 'must look like en-US'),
  /** Twilio `<Say voice>`, e.g. "Polly.Joanna"; Twilio's default voice when absent. */
  voice: z.string().min(1).optional(),
  /** Required in full by a flow that speaks; an agent-guided flow speaks none, so it leaves them out. */
  prompts: prompts.default({}),
});

/** A flow: what a capture asks, in which order, how patiently, and in which words. Data, not code. */
export const flowSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/, 'must be lower-case letters, digits and dashes'),
    version: z.number().int().min(1),
    description: z.string().max(200).optional(),
    /**
     * `prompts`: the flow asks for each field itself and moves on by its own order. `agent`: the caller
     * stays with an agent who asks for each field (the card number first, then any field in any order)
     * and presses Charge; keys come from the caller's media stream, and the flow speaks nothing.
     */
    guide: z.enum(GUIDES).default('prompts'),
    /**
     * `card` (the default): card number, expiry, security code. `ach`: a debit of a US bank account:
     * routing number, account number twice, account type, then the spoken authorisation
     * (`authorization.ask`) the caller accepts with 1; the payment stays `processing` until the bank settles.
     */
    method: z.enum(PAYMENT_METHODS).default('card'),
    defaultLocale: z.string(),
    locales: z.record(z.string(), locale).refine((l) => Object.keys(l).length > 0, 'at least one locale'),
    // A bank-debit flow asks no card field: it may leave the card's options out.
    fieldOrder: z
      .array(z.enum(CAPTURE_FIELDS))
      .length(3)
      .refine((order) => new Set(order).size === 3, 'each field exactly once')
      .refine(
        (order) => order.indexOf('cardNumber') < order.indexOf('securityCode'),
        'cardNumber must come before securityCode (its length depends on the brand)',
      )
      .default(['cardNumber', 'expiry', 'securityCode']),
    tries: z
      .object({
        payCode: tries,
        cardNumber: tries.default(3),
        expiry: tries.default(3),
        securityCode: tries.default(3),
        postalCode: tries.default(3),
        routingNumber: tries.default(3),
        /** Also bounds how often the two entries of the account number may differ. */
        accountNumber: tries.default(3),
        accountNumberAgain: tries.default(3),
        accountType: tries.default(3),
        choice: tries,
      })
      .strict(),
    timeoutSeconds: z
      .object({
        payCode: seconds,
        cardNumber: seconds.default(15),
        expiry: seconds.default(10),
        securityCode: seconds.default(10),
        postalCode: seconds.default(10),
        routingNumber: seconds.default(15),
        accountNumber: seconds.default(15),
        accountNumberAgain: seconds.default(15),
        accountType: seconds.default(8),
        choice: seconds,
      })
      .strict(),
    /**
     * The billing postal code, asked after the card's fields and passed to the processor for its
     * address check: `{ "country": "US" }` (a 5-digit ZIP code) or `{ "digits": [min, max] }` (any
     * country whose codes are digits only). Absent: not asked.
     */
    postalCode: postalCodeRule.optional(),
    acceptedBrands: z.array(z.enum(CARD_BRANDS as [string, ...string[]])).min(1).default([...CARD_BRANDS]),
    expiryMaxYearsAhead: z.number().int().min(1).max(30).default(20),
    /** How many cards a caller may try in one call: a decline with tries left offers another card. */
    maxCardAttempts: z.number().int().min(1).max(5),
    maxReferenceRepeats: z.number().int().min(0).max(5),
    /** When true the capture waits after a valid card number until the agent confirms it. */
    agentConfirmsCardNumber: z.boolean().default(false),
    agentConfirmTimeoutSeconds: z.number().int().min(10).max(600).default(120),
  })
  .strict()
  .superRefine((flow, ctx) => {
    if (!(flow.defaultLocale in flow.locales)) {
      ctx.addIssue({ code: 'custom', path: ['defaultLocale'], message: `no locale "${flow.defaultLocale}" in locales` });
    }
    for (const [name, locale] of Object.entries(flow.locales)) {
      const given = Object.keys(locale.prompts);
      if (flow.guide === 'agent') {
        if (given.length > 0) ctx.addIssue({ code: 'custom', path: ['locales', name, 'prompts'], message: 'an agent-guided flow speaks no prompts: leave them out' });
        continue;
      }
      for (const key of requiredPromptKeys(flow)) {
        if (!given.includes(key)) ctx.addIssue({ code: 'custom', path: ['locales', name, 'prompts', key], message: 'prompt is missing' });
      }
    }
    if (flow.guide === 'agent' && flow.agentConfirmsCardNumber) {
      ctx.addIssue({ code: 'custom', path: ['agentConfirmsCardNumber'], message: 'an agent-guided flow has the agent on the line throughout: set it to false' });
    }
    if (flow.guide === 'agent' && flow.postalCode) {
      ctx.addIssue({ code: 'custom', path: ['postalCode'], message: 'an agent-guided flow does not ask for the postal code: leave it out' });
    }
    if (flow.method === 'ach') {
      // A bank debit is authorised by the caller's own keypress after the spoken text: nobody else takes part.
      if (flow.guide === 'agent') ctx.addIssue({ code: 'custom', path: ['guide'], message: 'a bank-debit flow is led by its own prompts: set it to "prompts"' });
      if (flow.postalCode) ctx.addIssue({ code: 'custom', path: ['postalCode'], message: 'a bank-debit flow asks no card postal code: leave it out' });
      if (flow.agentConfirmsCardNumber) ctx.addIssue({ code: 'custom', path: ['agentConfirmsCardNumber'], message: 'a bank-debit flow has no card number to confirm: leave it out' });
    }
    if (flow.guide === 'agent' && flow.fieldOrder[0] !== 'cardNumber') {
      ctx.addIssue({ code: 'custom', path: ['fieldOrder'], message: 'an agent-guided flow asks the card number first (the security code length depends on its brand)' });
    }
  });

export type Flow = z.infer<typeof flowSchema>;
