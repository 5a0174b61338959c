import { z } from 'zod';
import { currencyRefusal, isPaymentCurrency } from '../core/domain/currencies';
import { currencyMinorDigits, parseAmount } from '../core/domain/money';
import { redact } from '../observability/redact';
import type { Processor } from '../ports/processor';
import { PAYMENT_METHOD_ID } from '../core/payments/paymentMethod';

/**
 * Twelve or more digits in a row, however grouped: a card number even when mistyped (a failed Luhn
 * check is still most of a real card), so it is neither stored, shown nor spoken.
 */
const CARD_LIKE_RUN = /\d(?:[ .-]?\d){11,}/;

/**
 * `POST /api/payments` body. Refinements give each field its own clear message; the OpenAPI document's
 * `CreatePaymentRequest` is generated from this same schema.
 */
export const createPaymentSchema = z
  .object({
    // The amount's rules depend on the currency, so the object's refinement checks them; the pattern documents their gist.
    amount: z.string({ message: 'must be a decimal string such as "12.34"' }).meta({
      pattern: '^[0-9]+(\\.[0-9]+)?$',
      description: "Required for a charge; left out with `intent: \"save_card\"`. Greater than zero, at most the currency's minor digits (2 for USD, 0 for JPY); no sign or exponent. Normalized: \"12.3\" becomes \"12.30\".",
      examples: ['12.34', '1500'],
    }).optional(),
    currency: z
      .string({ message: 'must be an ISO 4217 code such as "USD"' })
      .transform((c) => c.trim().toUpperCase())
      .superRefine((c, ctx) => {
        if (!/^[A-Z]{3}$/.test(c) || currencyMinorDigits(c) === null) ctx.addIssue({ code: 'custom', message: 'must be an ISO 4217 code such as "USD"' });
        else if (!isPaymentCurrency(c)) ctx.addIssue({ code: 'custom', message: currencyRefusal(c) });
      })
      .meta({ pattern: '^[A-Za-z]{3}$', description: 'ISO 4217 code; case-insensitive, answered in upper case. Optional with `intent: "save_card"` (USD).', examples: ['USD', 'EUR', 'JPY'] })
      .optional(),
    intent: z
      .enum(['charge', 'save_card'], { message: 'must be "charge" or "save_card"' })
      .meta({
        description:
          '"save_card": the capture ends with the card saved for later (no amount, nothing charged); the payment succeeds with `paymentMethod` set, which `POST /api/payments` with `paymentMethod` then charges without a call. On a call, or with `channel: "link"` on the pay page (a "Save Card" button, no amount).',
      })
      .default('charge'),
    paymentMethod: z
      .string({ message: 'must be a payment method id such as "pm_gw_40718263"' })
      .regex(PAYMENT_METHOD_ID, 'must be a payment method id such as "pm_gw_40718263"')
      .meta({ description: 'Charges this saved card at once, with no call (off-session); needs `amount` and `currency`.', examples: ['pm_gw_40718263'] })
      .optional(),
    description: z
      .string({ message: 'must be a string' })
      .trim()
      .max(200, 'must be at most 200 characters')
      .refine((d) => redact(d) === d && !CARD_LIKE_RUN.test(d), 'must not contain card data (no run of 12 or more digits)')
      .meta({ description: 'Read to the caller. Must not contain card data.', examples: ['Invoice 1042'] })
      .optional(),
    channel: z
      .enum(['phone', 'link'], { message: 'must be "phone" or "link"' })
      .meta({
        description:
          '"link": the answer carries a `payUrl` to paste into a chat; the customer pays on that page. Link payments use the `web` flow unless `flow` says otherwise.',
      })
      .default('phone'),
    callSid: z
      .string()
      .regex(/^CA[0-9a-fA-F]{32}$/, 'must be a Twilio call SID (CA followed by 32 hex digits)')
      .meta({
        description:
          "The Twilio call this payment is for, when known. A call on the gateway's agent bridge is taken into the capture at once, as the agent's panel does it; with `returnUrl`, any other live call is too.",
      })
      .optional(),
    returnUrl: z
      .string({ message: 'must be an absolute https:// URL' })
      .max(2048, 'must be at most 2048 characters')
      .refine((u) => redact(u) === u && !CARD_LIKE_RUN.test(u), 'must not contain card data (no run of 12 or more digits)')
      .meta({
        description:
          "Phone payments for a live `callSid` only: the gateway moves the call into the capture itself (Twilio call update) and, when the capture ends, back to this URL of your own Twilio application: Twilio fetches it with POST, `paymentId` and `paymentStatus` (`succeeded`, `failed`, `canceled`; `processing` when the processor's answer comes after the call) added to its query. A caller who hangs up is not sent anywhere. https only (http to localhost outside production); in production never a private address. Not used for a call on the gateway's agent bridge: that caller goes back to the agent.",
        examples: ['https://merchant.example/twilio/after-payment'],
      })
      .optional(),
    locale: z
      .string()
      .regex(/^[a-z]{2}-[A-Z]{2}$/, 'must look like "en-US"')
      .meta({ description: "One of the flow's locales; the flow's default otherwise.", examples: ['en-US', 'es-US'] })
      .optional(),
    flow: z.string().max(41).meta({ description: "A flow on this gateway; the gateway's default otherwise.", examples: ['default'] }).optional(),
    email: z
      .email({ message: 'must be an email address' })
      .max(254, 'must be at most 254 characters')
      .meta({ description: 'Any channel: where the receipt (amount, brand and last 4, reference) is emailed once the payment succeeds; nothing is sent without SMTP_URL.' })
      .optional(),
    capture: z
      .enum(['automatic', 'manual'], { message: 'must be "automatic" or "manual"' })
      .meta({
        description:
          '"manual": the call only authorises the card (status `authorized`); `POST /api/payments/{id}/capture` takes all or part of the amount, `/void` releases it. Unfinished authorisations become `canceled` when they run out (7 days by default).',
      })
      .default('automatic'),
    accountHolderName: z
      .string({ message: 'must be a string' })
      .trim()
      .min(1, 'must not be empty')
      .max(100, 'must be at most 100 characters')
      .refine((n) => redact(n) === n && !/\d{4}/.test(n), 'must be a name (no run of 4 or more digits)')
      .meta({
        description:
          "Bank-debit flows (`\"method\": \"ach\"`) only, and required there: the account holder's name, which the processor puts on the debit's mandate (Stripe requires one).",
        examples: ['Jenny Rosen'],
      })
      .optional(),
    expiresInSeconds: z
      .number({ message: 'must be a whole number of seconds' })
      .int('must be a whole number of seconds')
      .min(60, 'must be at least 60')
      .max(7 * 86_400, 'must be at most 604800 (7 days)')
      .meta({ description: 'Link payments only: how long the link works; LINK_TTL_SECONDS (15 minutes) otherwise.' })
      .optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    if (body.intent === 'save_card') {
      // Saving charges nothing: an amount would promise the caller a charge that never happens.
      if (body.amount !== undefined) ctx.addIssue({ code: 'custom', path: ['amount'], message: 'must be left out when intent is "save_card"' });
      else if (body.paymentMethod !== undefined) ctx.addIssue({ code: 'custom', path: ['paymentMethod'], message: 'must be left out when intent is "save_card"' });
      return;
    }
    if (body.amount === undefined) {
      ctx.addIssue({ code: 'custom', path: ['amount'], message: 'is required' });
      return;
    }
    if (body.currency === undefined) {
      ctx.addIssue({ code: 'custom', path: ['currency'], message: 'is required' });
      return;
    }
    if (body.paymentMethod !== undefined && body.channel === 'link') {
      ctx.addIssue({ code: 'custom', path: ['channel'], message: 'a saved payment method is charged without a link or a call' });
      return;
    }
    const amount = parseAmount(body.amount, body.currency);
    if (!amount.ok) ctx.addIssue({ code: 'custom', path: ['amount'], message: amount.message.replace(/^amount /, '') });
  })
  .meta({ id: 'CreatePaymentRequest' });

export type CreatePaymentInput = z.infer<typeof createPaymentSchema>;

/** The first problem of a failed parse, as "field: reason". */
export function describeIssue(error: z.ZodError, body: Record<string, unknown>): { code: string; field: string; message: string } {
  const issue = error.issues[0]!;
  const field = issue.path.length > 0 ? issue.path.map(String).join('.') : 'body';
  if (issue.code === 'unrecognized_keys') {
    return { code: 'unknown_field', field: issue.keys[0] ?? 'body', message: `unknown field (allowed: ${ALLOWED.join(', ')})` };
  }
  const code = ALLOWED.includes(field) ? `invalid_${field}` : 'invalid_body';
  if (issue.path.length === 1 && body[String(issue.path[0])] === undefined) return { code, field, message: 'is required' };
  return { code, field, message: issue.message };
}

const ALLOWED = ['amount', 'currency', 'intent', 'paymentMethod', 'description', 'channel', 'callSid', 'returnUrl', 'locale', 'flow', 'email', 'expiresInSeconds', 'capture', 'accountHolderName'];

/** A new payment's fields, checked and in canonical form. */
export type CheckedPayment = Omit<CreatePaymentInput, 'amount' | 'currency' | 'description'> & {
  currency: string;
  /** Canonical decimal string ("12.30"). */
  amount: string;
  /** In the currency's CLDR minor units, for the gateway's own sums (refunds); processors use `units`. */
  amountMinor: number;
  description: string | null;
};

export type PaymentCheck = { ok: true; payment: CheckedPayment } | { ok: false; code: string; field: string; message: string };

/**
 * The one check of a new payment's fields, shared by `POST /api/payments` and the agent panel's
 * start form: the schema (card-like digit runs, currency allow-list, decimals per currency), then
 * whether the configured processor can charge the amount exactly.
 */
export function checkNewPayment(body: unknown, processor: Pick<Processor, 'units'>): PaymentCheck {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, code: 'invalid_body', field: 'body', message: 'The body must be a JSON object (Content-Type: application/json).' };
  }
  const parsed = createPaymentSchema.safeParse(body);
  if (!parsed.success) {
    const { code, field, message } = describeIssue(parsed.error, body as Record<string, unknown>);
    return { ok: false, code, field, message: `${field}: ${message}` };
  }
  const { amount: given, currency: givenCurrency, description, ...rest } = parsed.data;
  if (rest.intent === 'save_card') {
    const currency = givenCurrency ?? 'USD';
    const digits = currencyMinorDigits(currency) ?? 0;
    // Nothing is charged: the amount is zero, written in the currency's own form ("0.00", "0").
    return { ok: true, payment: { ...rest, currency, amount: digits > 0 ? `0.${'0'.repeat(digits)}` : '0', amountMinor: 0, description: description || null } };
  }
  const currency = givenCurrency!;
  const amount = parseAmount(given!, currency);
  if (!amount.ok) return { ok: false, code: 'invalid_amount', field: 'amount', message: `amount: ${amount.message.replace(/^amount /, '')}` };
  const units = processor.units(amount.normalized, currency);
  if (!units.ok) return { ok: false, code: 'invalid_amount', field: 'amount', message: `amount: ${units.message}` };
  return { ok: true, payment: { ...rest, currency, amount: amount.normalized, amountMinor: amount.minor, description: description || null } };
}
