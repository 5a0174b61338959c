import { Router } from 'express';
import { z } from 'zod';
import { GatewayError } from '../core/http/errors';
import { PAYMENT_METHOD_ID, type PaymentMethod } from '../core/payments/paymentMethod';
import type { PaymentMethodService } from '../core/payments/paymentMethodService';
import { paymentMethodView } from '../core/payments/paymentMethodView';
import { pageQueryFields } from './listQuery';

/** `GET /api/payment-methods` query parameters; the OpenAPI document describes them from this schema. */
export const listPaymentMethodsQuerySchema = z.strictObject({
  customer: z
    .string()
    .regex(/^[\x21-\x7e]{1,255}$/, 'must be 1 to 255 printable characters without spaces')
    .meta({ description: "Only cards attached to this processor customer (`processorIds.customer`: Stripe's `cus_…`, the connector's customer).", examples: ['cus_Nw0Xa2eZvKYlo2'] })
    .optional(),
  ...pageQueryFields,
});

/** The path parameter of one saved card. */
export const paymentMethodIdParam = z.string().regex(PAYMENT_METHOD_ID);

export interface PaymentMethodRouterDeps {
  paymentMethods: PaymentMethodService;
}

/**
 * Saved cards: list them, read one, delete one. Mounted behind the API key like the rest of `/api`.
 * Answers carry the processor's ids and masked facts only; an id that is not one is never echoed
 * (a card number pasted by mistake stays out of the answer).
 */
export function paymentMethodRouter(deps: PaymentMethodRouterDeps): Router {
  const router = Router();
  const listing = deps.paymentMethods.listing;
  const view = (method: PaymentMethod) => paymentMethodView(method, method.deletedAt ? null : deps.paymentMethods.tokenOf(method));

  router.get('/payment-methods', async (req, res) => {
    const parsed = listPaymentMethodsQuerySchema.safeParse(req.query);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      if (issue.code === 'unrecognized_keys') {
        throw new GatewayError('unknown_parameter', `${issue.keys[0]}: unknown query parameter (allowed: ${Object.keys(listPaymentMethodsQuerySchema.shape).join(', ')})`);
      }
      const field = issue.path.map(String).join('.') || 'query';
      throw new GatewayError(`invalid_${field}`, `${field}: ${issue.message}`);
    }
    const q = parsed.data;
    const outcome = await listing.list({ ...(q.customer ? { customer: q.customer } : {}), ...(q.cursor ? { cursor: q.cursor } : {}), limit: q.limit ? Number(q.limit) : 20 });
    if (!outcome.ok) throw new GatewayError('invalid_cursor', outcome.message);
    // A token the vault key cannot open (the key was changed) cannot be charged either: such cards are left out.
    const data = outcome.methods.filter((m) => deps.paymentMethods.tokenOf(m) !== null).map(view);
    res.json({ data, nextCursor: outcome.nextCursor });
  });

  router.get('/payment-methods/:id', async (req, res) => {
    const method = await found(String(req.params.id));
    if (!method.deletedAt && deps.paymentMethods.tokenOf(method) === null) throw notFound();
    res.json(view(method));
  });

  router.delete('/payment-methods/:id', async (req, res) => {
    const id = String(req.params.id);
    if (!paymentMethodIdParam.safeParse(id).success) throw notFound();
    const outcome = await deps.paymentMethods.delete(id);
    if (outcome.ok) return void res.json(view(outcome.method));
    switch (outcome.reason) {
      case 'not_found':
        throw notFound();
      case 'other_processor':
        throw new GatewayError('payment_method_other_processor', 'The card was saved with another processor than the configured one, which cannot delete it.', { status: 409 });
      case 'unsupported':
        throw new GatewayError('intent_unavailable', 'The configured processor cannot delete saved cards.', { status: 409 });
      case 'processor_failed':
        throw new GatewayError('payment_method_not_deleted', `The processor did not confirm the deletion, so the card is kept as it was; send the DELETE again. (${outcome.message})`, { status: 502 });
    }
  });

  async function found(id: string): Promise<PaymentMethod> {
    const method = paymentMethodIdParam.safeParse(id).success ? await deps.paymentMethods.get(id) : null;
    if (!method) throw notFound();
    return method;
  }

  return router;
}

function notFound(): GatewayError {
  return new GatewayError('not_found', 'No such payment method.', { status: 404 });
}
