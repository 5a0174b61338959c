import { z } from 'zod';
import { CARD_BRANDS, type CardBrand } from '../domain/cardBrand';
import { PAYMENT_METHOD_ID, type PaymentMethod } from './paymentMethod';

/**
 * A saved card as `GET /api/payment-methods/{id}` answers it; the OpenAPI document's `PaymentMethod`.
 * Masked facts and ids only: never the number nor the security code.
 */
export const paymentMethodViewSchema = z
  .object({
    id: z.string().regex(PAYMENT_METHOD_ID).meta({ description: "The gateway's id; its digits are the reference the caller heard." }),
    processor: z.string().meta({ description: 'The processor holding the card; only it can charge it.', examples: ['stripe', 'connector', 'sandbox'] }),
    processorIds: z.object({
      customer: z.string().nullable().meta({ description: "The processor's customer the card is attached to (Stripe `cus_…`), where it has one." }),
      paymentMethod: z.string().nullable().meta({ description: "The processor's own token for the card (Stripe `pm_…`, the connector's token); kept encrypted at rest. Null once the card is deleted (the token is wiped)." }),
    }),
    card: z.object({ brand: z.enum(CARD_BRANDS as [CardBrand, ...CardBrand[]]), last4: z.string().regex(/^[0-9]{4}$/) }),
    expMonth: z.number().int().min(1).max(12).nullable().meta({ description: 'Null only when the save was found after the fact by a look-up whose processor did not give the expiry.' }),
    expYear: z.number().int().nullable(),
    paymentId: z.string().regex(/^pay_[a-z0-9]{10,40}$/).meta({ description: 'The `save_card` payment whose call saved the card.' }),
    createdAt: z.iso.datetime(),
    deletedAt: z.iso.datetime().nullable().meta({ description: 'When the card was deleted (`DELETE /api/payment-methods/{id}`); null while it can be charged.' }),
  })
  .meta({ id: 'PaymentMethod' });

export type PaymentMethodView = z.infer<typeof paymentMethodViewSchema>;

/** The answer to `GET /api/payment-methods`. */
export const paymentMethodListSchema = z
  .object({
    data: z.array(paymentMethodViewSchema).meta({ description: 'Newest first; deleted cards are left out. A page may hold fewer than `limit` (a filter that matches little); follow `nextCursor` until it is null.' }),
    nextCursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next page; null on the last page.' }),
  })
  .meta({ id: 'PaymentMethodList' });

export function paymentMethodView(method: PaymentMethod, processorToken: string | null): PaymentMethodView {
  return {
    id: method.id,
    processor: method.processor,
    processorIds: { customer: method.customer, paymentMethod: processorToken },
    card: { brand: method.card.brand, last4: method.card.last4 },
    expMonth: method.expMonth,
    expYear: method.expYear,
    paymentId: method.paymentId,
    createdAt: method.createdAt,
    deletedAt: method.deletedAt ?? null,
  };
}
