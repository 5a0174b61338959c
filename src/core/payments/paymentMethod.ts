import { randomInt } from 'node:crypto';
import { z } from 'zod';
import type { CardBrand } from '../domain/cardBrand';
import { storedCardSchema } from '../records/recordSchemas';

/**
 * A card saved for later charges: the gateway's own id, the processor's ids, and masked facts. The
 * number and the security code are never in it; the processor's token is sealed with the vault key.
 */
export interface PaymentMethod {
  /** `pm_gw_` and the digits the caller heard as the reference (8; 12 for payments of an earlier release). */
  id: string;
  /** The processor that holds the card (`sandbox`, `stripe`, `connector`): only it can charge the token. */
  processor: string;
  /** The processor's customer the card is attached to, where it has one. */
  customer: string | null;
  /** The processor's token (Stripe PaymentMethod id, connector token), sealed (`Sealer`) under this record's id. */
  sealedToken: string;
  card: { brand: CardBrand; last4: string };
  /** Null only for a card whose save was found by a look-up that did not give the expiry. */
  expMonth: number | null;
  expYear: number | null;
  /** The save_card payment whose call captured the card. */
  paymentId: string;
  createdAt: string;
  /** Set once deleted through the API: the processor has let go of the card and `sealedToken` is wiped. */
  deletedAt?: string;
}

export const storedPaymentMethodSchema: z.ZodType<PaymentMethod> = z.looseObject({
  id: z.string(),
  processor: z.string(),
  customer: z.string().nullable(),
  sealedToken: z.string(),
  card: storedCardSchema,
  expMonth: z.number().nullable(),
  expYear: z.number().nullable(),
  paymentId: z.string(),
  createdAt: z.string(),
  deletedAt: z.string().optional(),
});

const REFERENCE_DIGITS = 12;
export const PAYMENT_METHOD_ID = /^pm_gw_(?:[0-9]{8}|[0-9]{12})$/;

/** A fresh reference for a saved card: digits, because the caller hears it read one digit at a time. */
export function newSavedCardReference(): string {
  return String(randomInt(0, 10 ** 6)).padStart(6, '0') + String(randomInt(0, 10 ** 6)).padStart(6, '0');
}

/** The payment method a save_card payment's reference names. */
export function paymentMethodIdOf(reference: string): string {
  return `pm_gw_${reference}`;
}

export { REFERENCE_DIGITS };

/** Digits of a creation time in an index member: milliseconds, zero-padded so members sort by time. */
const TIME_DIGITS = 15;

/** The ordered index of saved cards by creation time (one store key, so cluster-safe). */
export const PAYMENT_METHOD_INDEX_KEY = 'payment-methods:index';

export const PAYMENT_METHOD_INDEX_MEMBER = /^[0-9]{15}:pm_gw_(?:[0-9]{8}|[0-9]{12})$/;

/** The bound sorting just before every member created at `ms` or later. */
export function paymentMethodIndexBound(ms: number): string {
  return String(Math.max(0, Math.floor(ms))).padStart(TIME_DIGITS, '0');
}

export function paymentMethodIndexMember(createdMs: number, id: string): string {
  return `${paymentMethodIndexBound(createdMs)}:${id}`;
}

export function paymentMethodIdOfMember(member: string): string {
  return member.slice(TIME_DIGITS + 1);
}
