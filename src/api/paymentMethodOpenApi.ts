import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { paymentMethodListSchema, paymentMethodViewSchema } from '../core/payments/paymentMethodView';
import type { SharedParts } from './openApiDocument';
import { listPaymentMethodsQuerySchema } from './paymentMethodRouter';

/** The `error.code`s only the saved-card endpoints answer with. */
export const PAYMENT_METHOD_ERROR_CODES: Record<string, string> = {
  payment_method_deleted: '409 (charge a saved card): the card was deleted with DELETE /api/payment-methods/{id}',
  payment_method_other_processor: '409 (delete a saved card): saved with another processor than the configured one',
  payment_method_not_deleted: '502 (delete a saved card): the processor did not confirm; nothing changed, send the DELETE again',
  invalid_customer: '400 (list saved cards): not 1 to 255 printable characters',
};

/** The saved-card paths (`/api/payment-methods`), described from the schemas their router validates with. */
export function registerPaymentMethodPaths(registry: OpenAPIRegistry, shared: SharedParts): void {
  const json = (schema: z.ZodType) => ({ 'application/json': { schema } });
  const id = z.object({
    id: paymentMethodViewSchema.shape.id.meta({ param: { description: 'The payment method id (`paymentMethod` of the save_card payment).' }, example: 'pm_gw_40718263' }),
  });
  const notFound = shared.error('No payment method with that id (a malformed id included).', { example: { error: { code: 'not_found', message: 'No such payment method.' } } });

  registry.registerPath({
    method: 'get',
    path: '/api/payment-methods',
    operationId: 'listPaymentMethods',
    summary: 'List saved cards, newest first, with cursor pagination',
    description: 'Cards saved by `save_card` payments, deleted ones left out. Filter by the processor customer with `customer`.',
    tags: ['payments'],
    request: { query: listPaymentMethodsQuerySchema },
    responses: {
      200: { description: 'A page of saved cards.', content: json(paymentMethodListSchema) },
      400: shared.error('A query parameter is invalid; `error.message` starts with its name.'),
      401: shared.unauthorized,
    },
  });

  registry.registerPath({
    method: 'get',
    path: '/api/payment-methods/{id}',
    operationId: 'getPaymentMethod',
    summary: 'Read a saved card: ids and masked facts',
    description: 'A card saved by a payment with `intent: "save_card"`. Charge it with `POST /api/payments` and `paymentMethod`. A deleted card answers with `deletedAt` set and no processor token.',
    tags: ['payments'],
    request: { params: id },
    responses: {
      200: { description: 'The saved card.', content: json(paymentMethodViewSchema) },
      401: shared.unauthorized,
      404: notFound,
    },
  });

  registry.registerPath({
    method: 'delete',
    path: '/api/payment-methods/{id}',
    operationId: 'deletePaymentMethod',
    summary: 'Delete a saved card: the processor lets go of it, and it can no longer be charged',
    description:
      'The processor is asked first (Stripe detaches the PaymentMethod from its Customer; the HTTPS connector gets a `detokenize` request; the sandbox keeps nothing to forget); ' +
      'then the card is marked deleted and its processor token wiped. Charging it afterwards answers `409 payment_method_deleted`. Deleting a deleted card answers the same again.',
    tags: ['payments'],
    request: { params: id },
    responses: {
      200: { description: 'The deleted card (`deletedAt` set, `processorIds.paymentMethod` null).', content: json(paymentMethodViewSchema) },
      401: shared.unauthorized,
      404: notFound,
      409: shared.error('The configured processor cannot delete this card (see the error codes).'),
      502: shared.error('The processor did not confirm the deletion; nothing was changed.', {
        example: { error: { code: 'payment_method_not_deleted', message: 'The processor did not confirm the deletion, so the card is kept as it was; send the DELETE again.' } },
      }),
    },
  });
}
