import { z } from 'zod';
import { paymentViewSchema } from '../core/payments/paymentView';

const STATUSES = paymentViewSchema.shape.status.options;
const timestamp = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time such as "2025-01-31T00:00:00Z"' });

/** The paging parameters every list of the API takes, with the same rules and words. */
export const pageQueryFields = {
  limit: z
    .string()
    .regex(/^[0-9]{1,3}$/, 'must be a whole number from 1 to 100')
    .refine((l) => Number(l) >= 1 && Number(l) <= 100, 'must be a whole number from 1 to 100')
    .meta({ description: 'Page size, 1 to 100; 20 by default.', examples: ['20'] })
    .optional(),
  cursor: z.string().max(200, 'not a cursor this API gave out').meta({ description: "The previous page's `nextCursor`; opaque." }).optional(),
};

/** `GET /api/payments` query parameters; the OpenAPI document describes them from this schema. */
export const listPaymentsQuerySchema = z.strictObject({
  status: z.enum(STATUSES, { message: `must be one of ${STATUSES.join(', ')}` }).meta({ description: 'Only payments with this status.' }).optional(),
  channel: z.enum(['phone', 'link'], { message: 'must be "phone" or "link"' }).meta({ description: 'Only payments of this channel.' }).optional(),
  createdFrom: timestamp.meta({ description: 'Only payments created at or after this time.' }).optional(),
  createdTo: timestamp.meta({ description: 'Only payments created before this time.' }).optional(),
  ...pageQueryFields,
});

/** The answer to `GET /api/payments`. */
export const paymentListSchema = z
  .object({
    data: z.array(paymentViewSchema).meta({ description: 'Newest first. A page may hold fewer than `limit` payments (filters that match little); follow `nextCursor` until it is null.' }),
    nextCursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next page; null on the last page.' }),
  })
  .meta({ id: 'PaymentList' });
