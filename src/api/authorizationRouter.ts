import { Router } from 'express';
import { z } from 'zod';
import type { AuthorizationService, SettleOutcome } from '../core/payments/authorizationService';
import type { IdempotencyKeys, StoredAnswer } from '../core/payments/idempotencyKeys';
import { paymentView } from '../core/payments/paymentView';
import { GatewayError } from '../core/http/errors';
import type { Clock } from '../ports/clock';
import { idempotencyKeySchema } from './refundRouter';

const PAYMENT_ID = /^pay_[a-z0-9]{10,40}$/;

/** `POST /api/payments/{id}/capture`'s body; the OpenAPI document describes it from this schema. */
export const captureRequestSchema = z
  .strictObject({
    amount: z
      .string({ message: 'must be a decimal string such as "5.00"' })
      .meta({ description: 'Decimal string, at most the authorised amount; absent captures all of it.', examples: ['8.00'] })
      .optional(),
  })
  .meta({ id: 'CaptureRequest' });

/** `POST /api/payments/{id}/void` takes no fields. */
export const voidRequestSchema = z.strictObject({}).meta({ id: 'VoidRequest' });

export interface AuthorizationRouterDeps {
  authorizations: AuthorizationService;
  /** Idempotency-Key records of captures and voids. */
  idempotency: IdempotencyKeys;
  /** Whose keys these are: a new API key starts a new set. */
  callerScope: string;
  clock: Clock;
  voiceUrl(paymentId: string): string;
}

/** Capture and void of `capture: "manual"` payments; mounted inside the API router, behind its key check and JSON parser. */
export function authorizationRouter(deps: AuthorizationRouterDeps): Router {
  const router = Router();

  const handle = (kind: 'capture' | 'void', schema: z.ZodType<{ amount?: string }>) =>
    async (req: import('express').Request, res: import('express').Response) => {
      const id = String(req.params.id);
      if (!PAYMENT_ID.test(id)) throw new GatewayError('not_found', `No payment with id "${id.slice(0, 60)}".`, { status: 404 });
      const body: unknown = req.body ?? {};
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new GatewayError('invalid_body', `The body must be a JSON object, or empty${kind === 'capture' ? ' to capture the whole amount' : ''}.`);
      }
      const parsed = schema.safeParse(body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        if (issue.code === 'unrecognized_keys') {
          throw new GatewayError('unknown_field', `${issue.keys.join(', ')}: unknown field; ${kind === 'capture' ? 'the only field is amount' : 'void takes no fields'}.`);
        }
        throw new GatewayError('invalid_amount', `amount: ${issue.message}`);
      }
      const amount = parsed.data.amount;
      const work = async (): Promise<StoredAnswer> => {
        const outcome: SettleOutcome = kind === 'capture' ? await deps.authorizations.capture(id, amount) : await deps.authorizations.void(id);
        if (!outcome.ok) return { status: outcome.status, body: { error: { code: outcome.code, message: outcome.message } } };
        return { status: 200, body: paymentView(outcome.payment, deps.clock.now(), { voiceUrl: deps.voiceUrl(outcome.payment.id) }) };
      };
      const key = req.get('idempotency-key');
      let answer: StoredAnswer;
      let replayed = false;
      if (key === undefined) {
        answer = await work();
      } else {
        if (!idempotencyKeySchema.safeParse(key).success) {
          throw new GatewayError('invalid_idempotency_key', 'Idempotency-Key: must be 1 to 255 printable ASCII characters without spaces.');
        }
        const outcome = await deps.idempotency.run(`${deps.callerScope}:${kind}:${id}`, key, parsed.data, () => id, work);
        if (outcome.kind === 'mismatch') {
          throw new GatewayError('idempotency_key_reused', `Idempotency-Key: already used for a ${kind} of a different amount.`, { status: 422 });
        }
        if (outcome.kind === 'inProgress') {
          throw new GatewayError('idempotency_key_in_progress', 'Idempotency-Key: the first request with this key is still being answered; retry shortly.', { status: 409 });
        }
        answer = outcome.answer;
        replayed = outcome.replayed;
      }
      if (replayed) res.set('Idempotent-Replayed', 'true');
      const error = answer.body.error as { code?: string; message?: string } | undefined;
      if (answer.status >= 400 && error?.code) throw new GatewayError(error.code, error.message ?? '', { status: answer.status });
      res.status(answer.status).json(answer.body);
    };

  router.post('/payments/:id/capture', handle('capture', captureRequestSchema));
  router.post('/payments/:id/void', handle('void', voidRequestSchema));
  return router;
}
