import { Router } from 'express';
import { z } from 'zod';
import { refundView } from '../core/payments/refund';
import type { RefundService } from '../core/payments/refundService';
import { GatewayError } from '../core/http/errors';

const PAYMENT_ID = /^pay_[a-z0-9]{10,40}$/;
/** Printable ASCII, as Stripe accepts for its own Idempotency-Key. */
export const idempotencyKeySchema = z.string().regex(/^[\x21-\x7e]{1,255}$/).meta({ description: 'Makes retries safe.' });

/** The refund request's body; the OpenAPI document describes it from this schema. */
export const refundRequestSchema = z.strictObject({
  amount: z
    .string({ message: 'must be a decimal string such as "5.00"' })
    .meta({ description: 'Decimal string, at most what remains.', examples: ['5.00'] })
    .optional(),
});

/** `POST /payments/:id/refunds`: mounted inside the API router, behind its key check and JSON parser. */
export function refundRouter(refunds: RefundService): Router {
  const router = Router();

  router.post('/payments/:id/refunds', async (req, res) => {
    const id = String(req.params.id);
    if (!PAYMENT_ID.test(id)) throw new GatewayError('not_found', `No payment with id "${id.slice(0, 60)}".`, { status: 404 });
    const body: unknown = req.body ?? {};
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new GatewayError('invalid_body', 'The body must be a JSON object, or empty for a full refund.');
    }
    const parsed = refundRequestSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      if (issue.code === 'unrecognized_keys') throw new GatewayError('unknown_field', `${issue.keys.join(', ')}: unknown field; the only field is amount.`);
      throw new GatewayError('invalid_amount', `amount: ${issue.message}`);
    }
    const key = req.get('idempotency-key');
    if (key !== undefined && !idempotencyKeySchema.safeParse(key).success) {
      throw new GatewayError('invalid_idempotency_key', 'Idempotency-Key: must be 1 to 255 printable ASCII characters without spaces.');
    }

    const outcome = await refunds.refund({
      paymentId: id,
      ...(parsed.data.amount !== undefined ? { amount: parsed.data.amount } : {}),
      ...(key !== undefined ? { idempotencyKey: key } : {}),
    });
    if (!outcome.ok) throw new GatewayError(outcome.code, outcome.message, { status: outcome.status });
    const view = refundView(outcome.refund, outcome.payment.id, outcome.payment.currency);
    if (outcome.replayed) res.set('Idempotent-Replayed', 'true');
    if (outcome.refund.status === 'failed') {
      res.status(502).json({ error: { code: 'refund_failed', message: outcome.refund.failure?.message ?? 'The processor refused the refund.' }, refund: view });
      return;
    }
    res.status(201).json(view);
  });

  return router;
}
