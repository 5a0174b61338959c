import { z } from 'zod';
import { PAYMENT_EVENT_TYPES } from '../core/payments/paymentEvents';
import { paymentViewSchema } from '../core/payments/paymentView';
import { refundViewSchema } from '../core/payments/refund';

const eventType = z.enum(PAYMENT_EVENT_TYPES);
const timestamp = z.iso.datetime();

export const endpointIdSchema = z.string().regex(/^we_[0-9a-f]{24}$/);

/** The body of `POST /api/webhooks`. */
export const newEndpointSchema = z.strictObject({
  url: z
    .string({ message: 'is required: an absolute https:// URL' })
    .meta({ description: 'https; plain http only to localhost outside production; in production never a private address.', examples: ['https://example.com/hooks/payments'] }),
  events: z
    .array(eventType, { message: `must be a list of event types: ${PAYMENT_EVENT_TYPES.join(', ')}` })
    .min(1, { message: 'must name at least one event type' })
    .refine((list) => new Set(list).size === list.length, { message: 'must not repeat an event type' })
    .meta({ description: 'The events to receive; all of them when absent.' })
    .optional(),
  description: z.string({ message: 'must be a string' }).max(200, { message: 'must be at most 200 characters' }).optional(),
});

/** An endpoint as listed; its secret is only ever in the answer to its creation. */
export const endpointViewSchema = z
  .object({
    id: endpointIdSchema,
    url: z.string(),
    events: z.array(eventType),
    description: z.string().nullable(),
    createdAt: timestamp,
  })
  .meta({ id: 'WebhookEndpoint' });

export const createdEndpointSchema = endpointViewSchema
  .extend({
    secret: z
      .string()
      .regex(/^whsec_[A-Za-z0-9+/=]+$/)
      .meta({ description: 'Signs every delivery (Standard Webhooks). Shown only here: store it now.' }),
  })
  .meta({ id: 'CreatedWebhookEndpoint' });

export const endpointListSchema = z.object({ data: z.array(endpointViewSchema) }).meta({ id: 'WebhookEndpointList' });

export const deliveryAttemptSchema = z
  .object({
    messageId: z.string().meta({ description: 'The `webhook-id` header: the same on every try of one event to one endpoint.' }),
    eventType,
    paymentId: z.string(),
    sequence: z.number().int().min(1),
    attempt: z.number().int().min(1),
    at: timestamp,
    statusCode: z.number().int().nullable().meta({ description: "The endpoint's HTTP status; null when it gave none." }),
    durationMs: z.number().int().min(0),
    delivered: z.boolean().meta({ description: 'True for a 2xx answer.' }),
    error: z.string().nullable().meta({ examples: ['HTTP 500', 'timed out after 10000 ms', 'connection failed (ECONNREFUSED)'] }),
  })
  .meta({ id: 'WebhookDeliveryAttempt' });

export const deliveryListSchema = z
  .object({ data: z.array(deliveryAttemptSchema).meta({ description: 'The latest attempts first, at most 100.' }) })
  .meta({ id: 'WebhookDeliveryList' });

/** The body every delivery posts, signed as it is. */
export const eventBodySchema = z
  .object({
    type: eventType,
    timestamp,
    data: z.object({
      sequence: z.number().int().min(1).meta({ description: "The event's place among this payment's events: 1, 2, 3… Deliveries may arrive out of order." }),
      payment: paymentViewSchema,
      refund: refundViewSchema.optional().meta({ description: '`refund.*` events: the refund the event is about.' }),
    }),
  })
  .meta({ id: 'WebhookEvent' });
