import { z } from 'zod';
import type { FailureCode } from '../capture/types';
import { maskedBankAccount } from '../domain/bankAccount';
import { CARD_BRANDS, type CardBrand } from '../domain/cardBrand';
import { DECLINE_CODES } from '../../ports/processor';
import { effectiveStatus, type Payment, type PaymentStatus } from './payment';
import { refundFieldsOf, refundFieldsSchema } from './refund';
import { debitAuthorizationFields } from './debitAuthorization';
import { PAYMENT_METHOD_ID, paymentMethodIdOf } from './paymentMethod';

// Records keyed by the union make the compiler insist that every status and failure code is described.
const STATUSES: Record<PaymentStatus, string> = {
  pending: 'created; the pay code works until `expiresAt`',
  capturing: 'a call is entering the card',
  processing: 'the processor is deciding',
  authorized: '`capture: "manual"` payments: the card is authorised for `amount`; capture or void it with `POST /api/payments/{id}/capture` or `/void` before `authorizationExpiresAt`',
  succeeded: 'approved (or captured); `reference` is set',
  failed: 'declined, out of tries or the caller hung up; `failure` says which',
  canceled: 'the caller canceled on the keypad, the payment was canceled or voided, or its authorisation ran out',
  expired: 'still pending after `expiresAt`; computed when read',
};
const FAILURE_CODES: Record<Exclude<FailureCode, (typeof DECLINE_CODES)[number]>, string> = {
  too_many_attempts: 'the caller ran out of tries',
  caller_hung_up: 'the caller hung up before paying',
  caller_line_dropped: "the caller's line dropped during an agent-guided capture",
};

const described = (entries: Record<string, string>, format: (key: string, text: string) => string) =>
  Object.entries(entries).map(([key, text]) => format(key, text));
const timestamp = z.iso.datetime();

/**
 * A payment as `GET /api/payments/{id}` answers it; the OpenAPI document's `Payment` is generated from
 * this. Response objects stay open: fields may be added, and clients should ignore those they do not know.
 */
export const paymentViewSchema = z
  .object({
    id: z.string().regex(/^pay_[a-z0-9]{10,40}$/),
    status: z
      .enum(Object.keys(STATUSES) as [PaymentStatus, ...PaymentStatus[]])
      .meta({ description: described(STATUSES, (s, d) => `\`${s}\`: ${d}`).join('; ') }),
    amount: z.string().meta({ description: "Normalized to the currency's minor digits.", examples: ['12.30'] }),
    currency: z.string().regex(/^[A-Z]{3}$/),
    channel: z.enum(['phone', 'link']),
    description: z.string().nullable(),
    locale: z.string().meta({ examples: ['en-US'] }),
    flow: z.string().meta({ examples: ['default'] }),
    callSid: z
      .string()
      .regex(/^(CA|LK)[0-9a-fA-F]{32}$/)
      .meta({ description: 'The Twilio call capturing the payment; for a link payment, LK and an id derived from the link.' })
      .nullable(),
    card: z.object({ brand: z.enum(CARD_BRANDS as [CardBrand, ...CardBrand[]]), last4: z.string().regex(/^[0-9]{4}$/) }).nullable(),
    expiryCaptured: z.boolean(),
    securityCodeCaptured: z.boolean(),
    postalCodeCaptured: z
      .boolean()
      .meta({ description: 'Whether the billing postal code was entered (flows that ask for it). The code itself is never shown.' }),
    reference: z
      .string()
      .meta({
        description:
          "The gateway's short reference (8 digits), read to the caller in two groups of four and shown on the pay page and receipts; set once approved or authorised. Payments made before this field changed meaning hold the processor's id here.",
        examples: ['40718263'],
      })
      .nullable(),
    processorReference: z
      .string()
      .meta({ description: "The processor's id of the charge or authorisation (e.g. Stripe's `pi_…`); never read to the caller.", examples: ['pi_3Nw0Xa2eZvKYlo2C1abcdEfG'] })
      .nullable(),
    capture: z
      .enum(['automatic', 'manual'])
      .meta({ description: '`manual`: the call authorises only, and `POST /api/payments/{id}/capture` takes the amount.' }),
    amountCaptured: z.string().meta({ description: 'Manual capture: what was captured (at most `amount`), once captured.', examples: ['8.00'] }).optional(),
    authorizationExpiresAt: timestamp.meta({ description: 'Manual capture, while `authorized`: when the authorisation runs out and the payment becomes `canceled`.' }).optional(),
    failure: z
      .object({
        code: z.enum([...DECLINE_CODES, ...Object.keys(FAILURE_CODES)] as [FailureCode, ...FailureCode[]]).meta({
          description: `Decline codes as the processor gave them, or: ${described(FAILURE_CODES, (c, d) => `\`${c}\` (${d})`).join(', ')}.`,
        }),
        message: z.string(),
      })
      .nullable(),
    intent: z.enum(['charge', 'save_card']).meta({ description: '`save_card`: the capture saves the card instead of charging it; `amount` is zero and `succeeded` means saved.' }),
    paymentMethod: z
      .string()
      .regex(PAYMENT_METHOD_ID)
      .meta({ description: 'The saved card (see `GET /api/payment-methods/{id}`): the one a `save_card` payment saved, or the one an off-session charge charged.' })
      .nullable(),
    method: z
      .enum(['card', 'ach'])
      .meta({ description: '`ach`: a bank debit (the flow\'s `method`); it stays `processing` for days after the call, until the bank settles it. Absent: `card`.' })
      .optional(),
    accountHolderName: z.string().meta({ description: 'Bank debits: the account holder\'s name given at creation.' }).optional(),
    bankAccount: z
      .object({
        last4: z.string().regex(/^[0-9]{4}$/),
        accountType: z.enum(['checking', 'savings']).nullable(),
        display: z.string().meta({ examples: ['Bank •••• 6789'] }),
      })
      .meta({ description: 'Bank debits: the account as it may be shown, once typed. The routing and account numbers are never shown.' })
      .nullable()
      .optional(),
    debitAuthorization: z
      .object({ ...debitAuthorizationFields, acceptedAt: timestamp, flowVersion: z.number().int() })
      .meta({
        description:
          "Bank debits: the caller's acceptance of the spoken authorisation (press 1), the record a phone-authorised debit needs: when, the amount, the account's last 4, and the SHA-256 of the flow's `authorization.ask` text in the language heard.",
      })
      .nullable()
      .optional(),
    voiceUrl: z.url().meta({ description: 'Absolute URL to send a live call to (e.g. with <Redirect> or a call update) to pay this payment.' }),
    payUrl: z
      .url()
      .meta({ description: 'Link payments only: the secure payment page, `$PUBLIC_BASE_URL/pay/<token>`; it works until `expiresAt` and pays once.' })
      .optional(),
    returnUrl: z
      .url()
      .meta({ description: 'Payments for a live call only: where the call goes when the capture ends (with `paymentId` and `paymentStatus` added).' })
      .optional(),
    expiresAt: timestamp.meta({ description: 'Until when the pay code works.' }),
    createdAt: timestamp,
    updatedAt: timestamp,
    ...refundFieldsSchema,
  })
  .meta({ id: 'Payment' });

export type PaymentView = z.infer<typeof paymentViewSchema>;

/** What only the answer to `POST /api/payments` adds to the view. */
export const createdPaymentFields = {
  payCode: z.string().regex(/^[0-9]{6}$/).meta({ description: 'What the caller types; valid until the payment is claimed or expires.' }),
};

/** The answer to `POST /api/payments`. */
export const createdPaymentViewSchema = paymentViewSchema.extend(createdPaymentFields);

export type CreatedPaymentView = z.infer<typeof createdPaymentViewSchema>;

/** The payment as the API and the agent see it: masked card, no pay-code secrets beyond creation. */
export function paymentView(p: Payment, now: Date, urls: { voiceUrl: string }): PaymentView {
  return {
    id: p.id,
    status: effectiveStatus(p, now),
    amount: p.amount,
    currency: p.currency,
    channel: p.channel,
    description: p.description,
    locale: p.locale,
    flow: p.flowId,
    callSid: p.callSid,
    card: p.card ? { brand: p.card.brand, last4: p.card.last4 } : null,
    expiryCaptured: p.expiryCaptured,
    securityCodeCaptured: p.securityCodeCaptured,
    postalCodeCaptured: p.postalCodeCaptured ?? false,
    reference: p.reference,
    processorReference: p.processorReference ?? null,
    capture: p.capture ?? 'automatic',
    ...(p.amountCaptured !== undefined ? { amountCaptured: p.amountCaptured } : {}),
    ...(p.status === 'authorized' && p.authorizationExpiresAt ? { authorizationExpiresAt: p.authorizationExpiresAt } : {}),
    failure: p.failure,
    intent: p.intent ?? 'charge',
    paymentMethod: paymentMethodOf(p),
    ...(p.method === 'ach' ? bankDebitFieldsOf(p) : {}),
    voiceUrl: urls.voiceUrl,
    ...(p.returnUrl ? { returnUrl: p.returnUrl } : {}),
    expiresAt: p.expiresAt,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
    ...refundFieldsOf(p),
  };
}

/** A bank debit's own fields: the account as shown, never its numbers, and the caller's acceptance. */
function bankDebitFieldsOf(p: Payment): Pick<PaymentView, 'method' | 'accountHolderName' | 'bankAccount' | 'debitAuthorization'> {
  return {
    method: 'ach',
    ...(p.accountHolderName ? { accountHolderName: p.accountHolderName } : {}),
    bankAccount: p.bankAccount ? { last4: p.bankAccount.last4, accountType: p.bankAccount.accountType, display: maskedBankAccount(p.bankAccount.last4) } : null,
    debitAuthorization: p.debitAuthorization ?? null,
  };
}

/** A save_card payment names the card it saved once it succeeded (its reference is the method's digits). */
function paymentMethodOf(p: Payment): string | null {
  if (p.paymentMethodId) return p.paymentMethodId;
  return p.intent === 'save_card' && p.status === 'succeeded' && p.reference ? paymentMethodIdOf(p.reference) : null;
}

/** What `POST /api/payments` answers: the view plus the pay code the caller will type. */
export function createdPaymentView(p: Payment, now: Date, urls: { voiceUrl: string }): CreatedPaymentView {
  return { ...paymentView(p, now, urls), payCode: p.payCode };
}
