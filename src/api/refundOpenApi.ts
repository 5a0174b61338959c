import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { refundViewSchema } from '../core/payments/refund';
import type { SharedParts } from './openApiDocument';
import { idempotencyKeySchema, refundRequestSchema } from './refundRouter';

/** The `error.code`s only the refunds endpoint answers with. */
export const REFUND_ERROR_CODES: Record<string, string> = {
  invalid_idempotency_key: '400: Idempotency-Key is not 1 to 255 printable ASCII characters',
  payment_not_refundable: '409: the payment has not succeeded',
  payment_fully_refunded: '409: nothing remains to be refunded',
  amount_exceeds_remaining: '409: the refund is larger than what remains',
  refund_in_progress: '409: a refund with this Idempotency-Key is still running',
  refunds_unsupported: '409: the processor adapter cannot refund',
  idempotency_key_reused: '422: the Idempotency-Key was used for a different amount',
  refund_failed: '502: the processor refused the refund; the body also carries the failed `refund`',
};

/** `POST /api/payments/{id}/refunds`, described from the schemas its router validates with. */
export function registerRefundPath(registry: OpenAPIRegistry, shared: SharedParts): void {
  const error = (description: string) => shared.error(description);
  registry.registerPath({
    method: 'post',
    path: '/api/payments/{id}/refunds',
    operationId: 'refundPayment',
    summary: 'Refund all or part of a succeeded payment',
    description:
      'Without `amount` the whole remaining amount is refunded. Send an `Idempotency-Key` header: the same key answers the same refund ' +
      'and never refunds twice; a key is freed again when the request was refused (409).',
    tags: ['payments'],
    request: {
      params: z.object({ id: shared.paymentId('returned at creation') }),
      headers: z.object({ 'Idempotency-Key': idempotencyKeySchema.optional() }),
      body: { required: false, content: { 'application/json': { schema: refundRequestSchema } } },
    },
    responses: {
      201: {
        description: 'The refund (also for a replayed Idempotency-Key, with `Idempotent-Replayed: true`).',
        content: { 'application/json': { schema: refundViewSchema } },
      },
      400: error('A bad amount, body or Idempotency-Key.'),
      401: shared.unauthorized,
      404: error('No payment with that id.'),
      409: error('The payment cannot be refunded (see the error codes).'),
      415: shared.unsupportedMediaType,
      422: error('The Idempotency-Key was used for another amount.'),
      502: {
        description: 'The processor refused the refund; the body carries the error and the failed refund.',
        content: { 'application/json': { schema: z.intersection(shared.errorBody, z.object({ refund: refundViewSchema })) } },
      },
    },
  });
}
