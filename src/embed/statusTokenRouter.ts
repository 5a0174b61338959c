import express, { Router } from 'express';
import { z } from 'zod';
import { GatewayError } from '../core/http/errors';
import { requireApiKey } from '../core/http/requireApiKey';
import { requireJsonBody } from '../core/http/requireJsonBody';
import type { PaymentService } from '../core/payments/paymentService';
import { STATUS_TOKEN_TTL, type StatusTokens } from './statusTokens';

const PAYMENT_ID = /^pay_[a-z0-9]{10,40}$/;

/** The body of `POST /api/payments/{id}/status-tokens`; the OpenAPI document describes it from this schema. */
export const statusTokenRequestSchema = z.strictObject({
  ttlSeconds: z
    .number({ message: `must be a whole number of seconds from ${STATUS_TOKEN_TTL.min} to ${STATUS_TOKEN_TTL.max}` })
    .int({ message: `must be a whole number of seconds from ${STATUS_TOKEN_TTL.min} to ${STATUS_TOKEN_TTL.max}` })
    .min(STATUS_TOKEN_TTL.min, { message: `must be at least ${STATUS_TOKEN_TTL.min}` })
    .max(STATUS_TOKEN_TTL.max, { message: `must be at most ${STATUS_TOKEN_TTL.max}` })
    .meta({ description: `How long the token works, in seconds (default ${STATUS_TOKEN_TTL.default}).`, examples: [900] })
    .optional(),
});

/** The answer: the token (only ever shown here) and when it stops working. */
export const statusTokenSchema = z
  .object({
    token: z.string().regex(/^cst_[A-Za-z0-9_-]{43}$/).meta({ description: 'Give it to the `<card-capture-status>` element; it reads this payment only.' }),
    paymentId: z.string().regex(PAYMENT_ID),
    expiresAt: z.iso.datetime(),
  })
  .meta({ id: 'StatusToken' });

/**
 * `POST /api/payments/:id/status-tokens`, behind the API key: the merchant's server mints a token and
 * hands it to its agent desktop, so the API key itself never reaches a browser. Mounted at `/api`; its
 * checks are on the route, so the rest of `/api` passes by untouched.
 */
export function statusTokenRouter(deps: { apiKey: string; payments: Pick<PaymentService, 'get'>; tokens: StatusTokens }): Router {
  const router = Router();
  const checks = [requireApiKey(deps.apiKey), requireJsonBody(), express.json({ limit: '4kb', strict: true })];

  router.post('/payments/:id/status-tokens', ...checks, async (req, res) => {
    const id = String(req.params.id);
    const body: unknown = req.body ?? {};
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new GatewayError('invalid_body', 'The body must be a JSON object, or empty for the default lifetime.');
    }
    const parsed = statusTokenRequestSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      if (issue.code === 'unrecognized_keys') throw new GatewayError('unknown_field', `${issue.keys.join(', ')}: unknown field; the only field is ttlSeconds.`);
      throw new GatewayError('invalid_ttlSeconds', `ttlSeconds: ${issue.message}`);
    }
    const payment = PAYMENT_ID.test(id) ? await deps.payments.get(id) : null;
    if (!payment) throw new GatewayError('not_found', `No payment with id "${id.slice(0, 60)}".`, { status: 404 });
    const { token, expiresAt } = await deps.tokens.mint(payment.id, parsed.data.ttlSeconds ?? STATUS_TOKEN_TTL.default);
    // The answer holds a credential: no cache along the way may keep it.
    res.set('Cache-Control', 'no-store');
    res.status(201).json({ token, paymentId: payment.id, expiresAt: expiresAt.toISOString() });
  });

  return router;
}
