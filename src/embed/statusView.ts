import { z } from 'zod';
import { reasonSentenceOf } from '../core/payments/failureWords';
import { CARD_BRANDS, type CardBrand } from '../core/domain/cardBrand';
import { maskedCard } from '../core/domain/masking';
import { ALL_CAPTURE_FIELDS, CAPTURE_FIELDS, type CaptureField } from '../core/flows/schema';

type CardField = (typeof CAPTURE_FIELDS)[number];
import type { CaptureContext } from '../core/capture/types';
import type { StateMeaning } from '../core/capture/meaning';
import { effectiveStatus, FINAL_STATUSES, type Payment, type PaymentStatus } from '../core/payments/payment';

const STATUSES = ['pending', 'capturing', 'processing', 'authorized', 'succeeded', 'failed', 'canceled', 'expired'] as const satisfies readonly PaymentStatus[];
const FIELD_STATES = ['waiting', 'invalid', 'valid'] as const;
export type FieldState = (typeof FIELD_STATES)[number];

/**
 * One payment's status as the embedded view shows it: brand and last 4 at most, never a field's value,
 * no pay code, no call or caller details. The embed's stream and `GET /embed/payments/{id}/status` send this.
 */
export const embedStatusSchema = z
  .object({
    paymentId: z.string().regex(/^pay_[a-z0-9]{10,40}$/),
    status: z.enum(STATUSES),
    /** Nothing changes the payment any more: the view stops following it. */
    final: z.boolean(),
    amount: z.string(),
    currency: z.string().regex(/^[A-Z]{3}$/),
    card: z
      .object({
        brand: z.enum(CARD_BRANDS as [CardBrand, ...CardBrand[]]),
        last4: z.string().regex(/^[0-9]{4}$/),
        display: z.string().meta({ description: 'Brand and last 4 as shown, e.g. "Visa •••• 4242".' }),
      })
      .nullable(),
    collecting: z.enum(ALL_CAPTURE_FIELDS as [CaptureField, ...CaptureField[]]).nullable().meta({ description: 'The field the caller is asked to type now, if any.' }),
    fields: z
      .object({
        ...(Object.fromEntries(CAPTURE_FIELDS.map((f) => [f, z.enum(FIELD_STATES)])) as Record<CardField, z.ZodEnum<{ [K in FieldState]: K }>>),
        postalCode: z.enum(FIELD_STATES).optional().meta({ description: 'Only once the caller is asked for the billing postal code (flows that ask for it).' }),
      })
      .meta({ description: '`valid` once captured; `invalid` while the caller is asked again after a mistake; `waiting` otherwise.' }),
    reference: z.string().nullable(),
    failure: z.object({ code: z.string(), reason: z.string() }).nullable(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'EmbedStatus' });

export type EmbedStatus = z.infer<typeof embedStatusSchema>;

/** What the live capture adds to the stored payment: the step it is at and its masked context. */
export interface LiveCapture {
  meaning: StateMeaning;
  context: CaptureContext;
}


/** The masked status of a payment; `live` when its call's capture is still running. */
export function embedStatusOf(payment: Payment, now: Date, live: LiveCapture | null): EmbedStatus {
  const status = effectiveStatus(payment, now);
  const final = FINAL_STATUSES.has(status);
  const collecting = !final && live ? live.meaning.field : null;
  const captured: Record<CaptureField, boolean> = {
    cardNumber: payment.card !== null,
    expiry: payment.expiryCaptured,
    securityCode: payment.securityCodeCaptured,
    postalCode: payment.postalCodeCaptured ?? false,
    // A bank debit's progress is not on the card widget's fields: the payment's bank account shows it.
    routingNumber: false,
    accountNumber: false,
    accountNumberAgain: false,
    accountType: false,
  };
  // The machine keeps a field's error prompt in its notices until the step changes: the last entry was refused.
  const refused = collecting !== null && live!.context.notices.some((n) => n.key.startsWith(`${collecting}.error.`));
  // The postal code is shown only where the flow asks for it: once asked, or once typed.
  const shown = captured.postalCode || collecting === 'postalCode' ? ALL_CAPTURE_FIELDS : CAPTURE_FIELDS;
  const fields = Object.fromEntries(
    shown.map((f) => [f, captured[f] && f !== collecting ? 'valid' : f === collecting && refused ? 'invalid' : 'waiting']),
  ) as EmbedStatus['fields'];
  return {
    paymentId: payment.id,
    status,
    final,
    amount: payment.amount,
    currency: payment.currency,
    card: payment.card ? { brand: payment.card.brand, last4: payment.card.last4.slice(-4), display: maskedCard(payment.card.brand, payment.card.last4) } : null,
    collecting,
    fields,
    reference: status === 'succeeded' || status === 'authorized' ? payment.reference : null,
    failure: payment.failure && status === 'failed' ? { code: payment.failure.code, reason: reasonSentenceOf(payment.failure.code) } : null,
    updatedAt: payment.updatedAt,
  };
}
