/** The refunds endpoint's part of the OpenAPI document, kept beside the router it describes. */

type Json = { [key: string]: unknown };

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json) => ({ 'application/json': { schema } });
const error = (description: string) => ({ description, content: json(ref('Error')) });

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

/** `POST /api/payments/{id}/refunds`. */
export function refundPathSpec(paymentIdParameter: Json): Record<string, Json> {
  return {
    '/api/payments/{id}/refunds': {
      post: {
        operationId: 'refundPayment',
        summary: 'Refund all or part of a succeeded payment',
        description:
          'Without `amount` the whole remaining amount is refunded. Send an `Idempotency-Key` header: the same key answers the same refund ' +
          'and never refunds twice; a key is freed again when the request was refused (409).',
        tags: ['payments'],
        parameters: [
          paymentIdParameter,
          { name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,255}$' }, description: 'Makes retries safe.' },
        ],
        requestBody: {
          required: false,
          content: json({ type: 'object', additionalProperties: false, properties: { amount: { type: 'string', description: 'Decimal string, at most what remains.', examples: ['5.00'] } } }),
        },
        responses: {
          '201': { description: 'The refund (also for a replayed Idempotency-Key, with `Idempotent-Replayed: true`).', content: json(ref('Refund')) },
          '400': error('A bad amount, body or Idempotency-Key.'),
          '401': { $ref: '#/components/responses/Unauthorized' },
          '404': error('No payment with that id.'),
          '409': error('The payment cannot be refunded (see the error codes).'),
          '415': { $ref: '#/components/responses/UnsupportedMediaType' },
          '422': error('The Idempotency-Key was used for another amount.'),
          '502': error('The processor refused the refund.'),
        },
      },
    },
  };
}

/** The Refund schema. */
export function refundSchemas(): Record<string, Json> {
  return {
    Refund: {
      type: 'object',
      required: ['id', 'paymentId', 'amount', 'currency', 'status', 'reference', 'failure', 'createdAt', 'updatedAt'],
      properties: {
        id: { type: 'string', pattern: '^re_[0-9a-f]{24}$' },
        paymentId: { type: 'string' },
        amount: { type: 'string', examples: ['5.00'] },
        currency: { type: 'string', pattern: '^[A-Z]{3}$' },
        status: { type: 'string', enum: ['pending', 'succeeded', 'failed'] },
        reference: { oneOf: [{ type: 'string', description: "The processor's refund reference." }, { type: 'null' }] },
        failure: { oneOf: [{ type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } }, { type: 'null' }] },
        createdAt: { type: 'string', format: 'date-time' },
        updatedAt: { type: 'string', format: 'date-time' },
      },
    },
  };
}

/** The refund fields a succeeded payment's view carries (absent on other payments). */
export function refundPaymentProperties(): Record<string, Json> {
  return {
    amountRefunded: { type: 'string', description: 'Succeeded payments only: refunded or being refunded so far.', examples: ['5.00'] },
    refunds: { type: 'array', items: ref('Refund'), description: 'Succeeded payments only: its refunds, oldest first.' },
  };
}
