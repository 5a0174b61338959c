import { z } from 'zod';
import { currencyMinorDigits } from '../domain/money';

export type RefundStatus = 'pending' | 'succeeded' | 'failed';

/** One refund of a payment, as stored on the payment record. */
export interface Refund {
  id: string;
  amount: string;
  amountMinor: number;
  status: RefundStatus;
  /** The processor's reference of the refund; null until it has answered. */
  reference: string | null;
  failure: { code: string; message: string } | null;
  createdAt: string;
  updatedAt: string;
}

/** What a payment has given back or is giving back: failed refunds return nothing and reserve nothing. */
export function refundedMinor(refunds: readonly Refund[] | undefined): number {
  return (refunds ?? []).filter((r) => r.status !== 'failed').reduce((sum, r) => sum + r.amountMinor, 0);
}

/** Minor units back to the API's decimal string ("1234" USD → "12.34"). */
export function formatMinor(minor: number, currency: string): string {
  const digits = currencyMinorDigits(currency) ?? 2;
  if (digits === 0) return String(minor);
  const text = String(minor).padStart(digits + 1, '0');
  return `${text.slice(0, -digits)}.${text.slice(-digits)}`;
}

const REFUND_STATUSES = ['pending', 'succeeded', 'failed'] as const satisfies readonly RefundStatus[];

/** A refund as the API answers it; the OpenAPI document's `Refund` is generated from this. */
export const refundViewSchema = z
  .object({
    id: z.string().regex(/^re_[0-9a-f]{24}$/),
    paymentId: z.string(),
    amount: z.string().meta({ examples: ['5.00'] }),
    currency: z.string().regex(/^[A-Z]{3}$/),
    status: z.enum(REFUND_STATUSES),
    reference: z.string().meta({ description: "The processor's refund reference." }).nullable(),
    failure: z.object({ code: z.string(), message: z.string() }).nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'Refund' });

export type RefundView = z.infer<typeof refundViewSchema>;

/** A refund as the API shows it. */
export function refundView(refund: Refund, paymentId: string, currency: string): RefundView {
  return {
    id: refund.id,
    paymentId,
    amount: refund.amount,
    currency,
    status: refund.status,
    reference: refund.reference,
    failure: refund.failure,
    createdAt: refund.createdAt,
    updatedAt: refund.updatedAt,
  };
}

/** The refund fields of a payment's view (see `paymentViewSchema`), described once for the document. */
export const refundFieldsSchema = {
  amountRefunded: z.string().meta({ description: 'Succeeded payments only: refunded or being refunded so far.', examples: ['5.00'] }).optional(),
  refunds: z.array(refundViewSchema).meta({ description: 'Succeeded payments only: its refunds, oldest first.' }).optional(),
};

/** The refund fields of a payment's view; only succeeded payments can be refunded, so only they carry them. */
export function refundFieldsOf(p: { status: string; amountMinor: number; currency: string; id: string; refunds?: Refund[] }): {
  amountRefunded?: string;
  refunds?: RefundView[];
} {
  if (p.status !== 'succeeded') return {};
  return {
    amountRefunded: formatMinor(refundedMinor(p.refunds), p.currency),
    refunds: (p.refunds ?? []).map((r) => refundView(r, p.id, p.currency)),
  };
}
