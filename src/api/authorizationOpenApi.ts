import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { paymentViewSchema } from '../core/payments/paymentView';
import type { SharedParts } from './openApiDocument';
import { captureRequestSchema, voidRequestSchema } from './authorizationRouter';
import { idempotencyKeySchema } from './refundRouter';

/** The `error.code`s only the capture and void endpoints answer with. */
export const AUTHORIZATION_ERROR_CODES: Record<string, string> = {
  payment_not_capturable: '409 (capture): the payment is not `authorized` (not manual capture, not paid yet, or already captured, voided or expired)',
  payment_not_voidable: '409 (void): the payment is not `authorized`',
  authorization_busy: '409 (capture, void): another capture or void of the payment is with the processor',
  authorization_expired: '409 (capture, void): the authorisation has run out; the payment becomes `canceled`',
  capture_unsupported: '409 (capture): the processor adapter cannot capture authorisations',
  void_unsupported: '409 (void): the processor adapter cannot void authorisations',
  amount_exceeds_authorized: '422 (capture): the amount is above the authorised amount',
  capture_failed: '502 (capture): the processor refused the capture; the payment stays `authorized`',
  void_failed: '502 (void): the processor refused the void; the payment stays `authorized`',
};

/** `POST /api/payments/{id}/capture` and `/void`, described from the schemas their router validates with. */
export function registerAuthorizationPaths(registry: OpenAPIRegistry, shared: SharedParts): void {
  const error = (description: string) => shared.error(description);
  const common = (kind: 'capture' | 'void') => ({
    params: z.object({ id: shared.paymentId('returned at creation') }),
    headers: z.object({ 'Idempotency-Key': idempotencyKeySchema.optional() }),
    body: { required: false, content: { 'application/json': { schema: kind === 'capture' ? captureRequestSchema : voidRequestSchema } } },
  });
  const responses = (kind: 'capture' | 'void', done: string) => ({
    200: {
      description: `The payment, ${done} (also for a replayed Idempotency-Key, with \`Idempotent-Replayed: true\`).`,
      content: { 'application/json': { schema: paymentViewSchema } },
    },
    400: error(kind === 'capture' ? 'A bad amount, body or Idempotency-Key.' : 'A bad body or Idempotency-Key.'),
    401: shared.unauthorized,
    404: error('No payment with that id.'),
    409: error(`The payment cannot be ${kind === 'capture' ? 'captured' : 'voided'} now (see the error codes).`),
    415: shared.unsupportedMediaType,
    422: error(kind === 'capture' ? 'The amount is above the authorised one, or the Idempotency-Key was used for another amount.' : 'The Idempotency-Key was used for another request.'),
    502: error(`The processor refused the ${kind}; the payment stays \`authorized\`.`),
  });
  registry.registerPath({
    method: 'post',
    path: '/api/payments/{id}/capture',
    operationId: 'capturePayment',
    summary: 'Capture all or part of an authorised payment',
    description:
      'For payments created with `capture: "manual"` once the call has authorised them (`status: "authorized"`). Without `amount` the whole ' +
      'authorised amount is captured; a smaller amount captures part and releases the rest; never more. A payment is captured once: ' +
      'a repeated capture answers 409, while the same `Idempotency-Key` answers the first capture again.',
    tags: ['payments'],
    request: common('capture'),
    responses: responses('capture', 'now `succeeded` with `amountCaptured`'),
  });
  registry.registerPath({
    method: 'post',
    path: '/api/payments/{id}/void',
    operationId: 'voidPayment',
    summary: 'Release an authorised payment without taking anything',
    description: 'For `authorized` payments. The payment becomes `canceled`; the same `Idempotency-Key` answers the first void again.',
    tags: ['payments'],
    request: common('void'),
    responses: responses('void', 'now `canceled`'),
  });
}
