import { OpenAPIRegistry, OpenApiGeneratorV31, type ResponseConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { createdPaymentFields, paymentViewSchema } from '../core/payments/paymentView';
import { createPaymentSchema } from './paymentInput';
import { listPaymentsQuerySchema, paymentListSchema } from './listQuery';
import { idempotencyKeySchema } from './refundRouter';
import { REFUND_ERROR_CODES, registerRefundPath } from './refundOpenApi';
import { PAYMENT_METHOD_ERROR_CODES, registerPaymentMethodPaths } from './paymentMethodOpenApi';
import { AUTHORIZATION_ERROR_CODES, registerAuthorizationPaths } from './authorizationOpenApi';
import { registerVoicePaths } from '../phone';
import { registerWebhookPaths, WEBHOOK_ERROR_CODES } from '../webhooks';
import { EMBED_ERROR_CODES, registerEmbedPaths } from '../embed';

/** Every `error.code` the payments API answers with, and when. */
const ERROR_CODES: Record<string, string> = {
  unauthorized: '401: missing, malformed or wrong `Authorization: Bearer` key',
  invalid_json: '400: the body is not valid JSON',
  invalid_body: '400: the body is not a JSON object',
  invalid_amount: '400: amount missing, not a decimal string, not above zero, too many decimals, or not exactly chargeable by the configured processor (Stripe: 5.124 KWD, 12.5 ISK)',
  invalid_currency: '400: not an ISO 4217 code, or not one in use for payments (XDR, XSU, HRK, CUC, SLL…)',
  invalid_description: '400: not a string, over 200 characters, or contains card data (a run of 12 or more digits)',
  invalid_channel: '400: channel is not "phone" or "link"',
  invalid_callSid: '400: not a Twilio call SID',
  invalid_returnUrl: '400: given without a live callSid or for a link payment; not https (http only to localhost, outside production); a private address in production; or contains card data',
  call_not_live: '409: Twilio would not move the call (it has ended, or is not a call of this account), or its bridge has ended',
  bridge_busy: '409: the call is on the agent bridge, which is not ready for a capture (the agent is not connected, or a capture is under way)',
  bridge_recording_not_paused: '409: the bridged call’s recording could not be paused, so the capture did not start',
  bridge_redirect_failed: '409: the bridged caller could not be moved to the capture',
  bridge_not_started: '409: the relayed call’s capture could not start',
  call_control_failed: '502: Twilio did not answer the request to move the call; try again',
  call_control_unavailable: '503: returnUrl on a production gateway without Twilio call control (its development fake moves no call)',
  invalid_locale: '400: malformed, or a locale the flow does not speak',
  invalid_flow: '400: no such flow on this gateway',
  unknown_field: '400: an unknown field; the message lists the allowed ones',
  invalid_intent: '400: intent is not "charge" or "save_card"',
  invalid_paymentMethod: '400: not a payment method id, given with intent "save_card", or no such payment method',
  intent_unavailable: '400: intent "save_card" or a paymentMethod on a gateway whose processor cannot save cards',
  channel_unavailable: '400: channel "link" on a gateway built without pay links',
  invalid_email: '400: not an email address',
  invalid_expiresInSeconds: '400: not 60 to 604800 seconds, or given for a phone payment',
  invalid_idempotency_key: '400: Idempotency-Key is not 1 to 255 printable ASCII characters',
  idempotency_key_reused: '422: the Idempotency-Key was first used with another body',
  idempotency_key_in_progress: '409: the first request with this Idempotency-Key is still being answered',
  charge_in_flight: '409 (cancel): the charge is with the processor; refund it once it succeeded',
  payment_succeeded: '409 (cancel): the payment succeeded; refund it instead',
  payment_final: '409 (cancel): the payment failed or expired',
  payment_not_cancelable: '409 (cancel): the capture did not take the cancel in time; read the payment again',
  invalid_status: '400 (list): not a payment status',
  invalid_createdFrom: '400 (list): not an ISO 8601 date-time',
  invalid_createdTo: '400 (list): not an ISO 8601 date-time',
  invalid_limit: '400 (list): not 1 to 100',
  invalid_cursor: '400 (list): not a cursor this API gave out',
  unknown_parameter: '400 (list): an unknown query parameter',
  not_found: '404: no payment with that id, or no such endpoint',
  body_too_large: '413: the body is over 16 kB',
  unsupported_media_type: '415: a body sent with a Content-Type other than application/json',
  bad_request: '4xx: the request could not be read',
  internal: '500: unexpected failure; nothing about it is disclosed',
  ...REFUND_ERROR_CODES,
  ...PAYMENT_METHOD_ERROR_CODES,
  ...AUTHORIZATION_ERROR_CODES,
  invalid_capture: '400: capture is not "automatic" or "manual"',
  ...WEBHOOK_ERROR_CODES,
  ...EMBED_ERROR_CODES,
};

/** `{ error: { code, message } }`, the body of every refusal of the payments API. */
export const errorBodySchema = z
  .object({
    error: z.object({
      code: z.string().meta({
        description: Object.entries(ERROR_CODES).map(([c, d]) => `\`${c}\`: ${d}`).join('; '),
        examples: Object.keys(ERROR_CODES),
      }),
      message: z.string().meta({ description: 'For people; for a bad field it starts with "<field>: ".' }),
    }),
  })
  .meta({ id: 'Error' });

/** A `$ref` to the component a schema is registered as (by its `.meta({ id })`). */
function componentRef(schema: z.ZodType): { $ref: string } {
  const id = z.globalRegistry.get(schema)?.id;
  if (!id) throw new Error('only a schema with an id has a component to refer to');
  return { $ref: `#/components/schemas/${id}` };
}

/**
 * `CreatedPayment` refers to `Payment` rather than repeating it, and keeps its own `required` at the top
 * so that a reader sees at once what creation adds.
 */
const createdPaymentDocument = z.object(createdPaymentFields).meta({ id: 'CreatedPayment', allOf: [componentRef(paymentViewSchema)] });

const json = (schema: z.ZodType, extra: Record<string, unknown> = {}) => ({ 'application/json': { schema, ...extra } });
const errorExample = (code: string, message: string) => ({ value: { error: { code, message } } });

/** What several operations share: the error answers and the payment id parameter. */
export interface SharedParts {
  errorBody: typeof errorBodySchema;
  /** An error answer with its own description. */
  error(description: string, extra?: Record<string, unknown>): ResponseConfig;
  unauthorized: ResponseConfig;
  unsupportedMediaType: ResponseConfig;
  /** The path parameter naming a payment, described for where it appears. */
  paymentId(where: string): z.ZodString;
}

const shared: SharedParts = {
  errorBody: errorBodySchema,
  error: (description, extra = {}) => ({ description, content: json(errorBodySchema, extra) }),
  unauthorized: {
    description: 'Missing or wrong API key.',
    content: json(errorBodySchema, { example: { error: { code: 'unauthorized', message: 'A valid API key is required: Authorization: Bearer <API_KEY>.' } } }),
  },
  unsupportedMediaType: {
    description: 'A body sent as anything but `Content-Type: application/json`; nothing was done.',
    content: json(errorBodySchema, {
      example: { error: { code: 'unsupported_media_type', message: 'The request body must be JSON, sent with Content-Type: application/json.' } },
    }),
  },
  paymentId: (where) =>
    paymentViewSchema.shape.id.meta({ param: { description: `The payment id ${where}.` }, example: 'pay_k3v7q2m5xza4b6c3d2e4f6g7' }),
};

function registerPaymentPaths(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'post',
    path: '/api/payments',
    operationId: 'createPayment',
    summary: 'Create a payment to be paid by phone',
    description:
      'Without `callSid` the caller types the pay code, or you send the call to `voiceUrl` yourself. With the `callSid` of a live call and a `returnUrl`, the gateway moves the call into the capture itself and, when the capture ends, back to `returnUrl` (POST, with `paymentId` and `paymentStatus` in its query); a caller who hangs up is sent nowhere. A call on the gateway\'s agent bridge is taken into the capture as the agent\'s panel does it (recording paused, agent held; on a relayed bridge the capture runs in the relay with an agent-guided flow), shows on the panel, and goes back to the agent.',
    tags: ['payments'],
    request: {
      headers: z.object({
        'Idempotency-Key': idempotencyKeySchema
          .meta({
            description:
              'Makes retries safe: a retry with the same key and body answers the first answer again (same status and body, with `Idempotent-Replayed: true`); the same key with another body is 422. Keys belong to the API key, and are kept IDEMPOTENCY_TTL_SECONDS (24 h).',
            example: 'order-1042-attempt',
          })
          .optional(),
      }),
      body: {
        required: true,
        content: json(createPaymentSchema, {
          examples: {
            invoice: { value: { amount: '12.34', currency: 'USD', description: 'Invoice 1042', channel: 'phone', callSid: `CA${'0'.repeat(32)}` } },
            minimal: { value: { amount: '1500', currency: 'JPY' } },
            spanish: { value: { amount: '20.00', currency: 'EUR', locale: 'es-US' } },
            liveCall: { value: { amount: '19.99', currency: 'USD', callSid: `CA${'0'.repeat(32)}`, returnUrl: 'https://merchant.example/twilio/after-payment?order=42' } },
            saveCard: { value: { intent: 'save_card', description: 'Card on file for Ada' } },
          },
        }),
      },
    },
    responses: {
      201: {
        description: 'Created. The pay code is only ever returned here.',
        headers: { Location: { description: 'Path of the new payment.', schema: { type: 'string', example: '/api/payments/pay_k3v7q2m5xza4b6c3d2e4f6g7' } } },
        content: json(createdPaymentDocument),
      },
      400: shared.error('The body is invalid; `error.message` starts with the name of the bad field.', {
        examples: {
          missingAmount: errorExample('invalid_amount', 'amount: is required'),
          tooManyDecimals: errorExample('invalid_amount', 'amount: USD amounts have at most 2 decimal places'),
          badCurrency: errorExample('invalid_currency', 'currency: must be an ISO 4217 code such as "USD"'),
          notChargeable: errorExample('invalid_amount', 'amount: 5.124 KWD cannot be charged exactly: Stripe takes KWD amounts whose third decimal is 0'),
          badJson: errorExample('invalid_json', 'The request body is not valid JSON.'),
          badEmail: errorExample('invalid_email', 'email: must be an email address'),
          badReturnUrl: errorExample('invalid_returnUrl', 'returnUrl: must be https (plain http only to localhost, outside production).'),
        },
      }),
      401: shared.unauthorized,
      409: shared.error(
        'The first request with this Idempotency-Key is still being answered (retry shortly); or the live call could not be taken into the capture (`call_not_live`, `bridge_*`): no payment is left pending for it.',
      ),
      413: shared.error('The body is over 16 kB.'),
      415: shared.unsupportedMediaType,
      422: shared.error('The Idempotency-Key was first used with another body.', {
        example: { error: { code: 'idempotency_key_reused', message: 'Idempotency-Key: already used for a different request body; use a new key for a new payment.' } },
      }),
      502: shared.error('Twilio did not answer the request to move the live call (`call_control_failed`); no payment is left pending. Retry.'),
      503: shared.error('`returnUrl` on a gateway that cannot move live calls (`call_control_unavailable`).'),
    },
  });

  registry.registerPath({
    method: 'get',
    path: '/api/payments',
    operationId: 'listPayments',
    summary: 'List payments, newest first, with filters and cursor pagination',
    tags: ['payments'],
    request: { query: listPaymentsQuerySchema },
    responses: {
      200: { description: 'A page of payments.', content: json(paymentListSchema) },
      400: shared.error('A query parameter is invalid; `error.message` starts with its name.'),
      401: shared.unauthorized,
    },
  });

  registry.registerPath({
    method: 'post',
    path: '/api/payments/{id}/cancel',
    operationId: 'cancelPayment',
    summary: 'Cancel a payment, ending its live capture politely',
    description:
      'A pending payment is canceled at once. A payment being captured is ended as an agent cancel ends it: the caller hears the closing prompt on their next turn (the pay page shows it on its next submission), its card fields are wiped from the vault, and the agent panel shows it. Canceling a canceled payment answers it again.',
    tags: ['payments'],
    request: { params: z.object({ id: shared.paymentId('to cancel') }) },
    responses: {
      200: { description: 'The canceled payment.', content: json(paymentViewSchema) },
      401: shared.unauthorized,
      404: shared.error('No payment with that id.'),
      409: shared.error('The charge is in flight or done (refund it afterwards), or the payment failed or expired.', {
        example: { error: { code: 'charge_in_flight', message: 'The charge has been sent to the processor and cannot be canceled; refund the payment once it has succeeded.' } },
      }),
      415: shared.unsupportedMediaType,
    },
  });

  registry.registerPath({
    method: 'get',
    path: '/api/payments/{id}',
    operationId: 'getPayment',
    summary: 'Read a payment: status and masked card facts',
    tags: ['payments'],
    request: { params: z.object({ id: shared.paymentId('returned at creation') }) },
    responses: {
      200: { description: 'The payment.', content: json(paymentViewSchema) },
      401: shared.unauthorized,
      404: shared.error('No payment with that id (a malformed id included).', { example: { error: { code: 'not_found', message: 'No payment with id "pay_x".' } } }),
    },
  });

  registerRefundPath(registry, shared);
  registerPaymentMethodPaths(registry, shared);
  registerEmbedPaths(registry, shared);
  registerAuthorizationPaths(registry, shared);

  registry.registerPath({
    method: 'get',
    path: '/api/openapi.json',
    operationId: 'getOpenApiDocument',
    summary: 'This document',
    tags: ['payments'],
    security: [],
    responses: { 200: { description: 'The OpenAPI 3.1 document.', content: { 'application/json': { schema: { type: 'object' } } } } },
  });
}

function registerHealthPaths(registry: OpenAPIRegistry): void {
  const probe = (operationId: string, path: string, summary: string, responses: Record<number, ResponseConfig>) =>
    registry.registerPath({ method: 'get', path, operationId, summary, tags: ['health'], security: [], responses });
  probe('healthz', '/healthz', 'Liveness: the process answers', {
    200: { description: 'Alive.', content: json(z.object({ status: z.literal('ok') })) },
  });
  probe('readyz', '/readyz', 'Readiness: the store answers', {
    200: { description: 'Ready.', content: json(z.object({ status: z.literal('ready'), store: z.literal('ok') })) },
    503: { description: 'The store cannot be reached.', content: json(z.object({ status: z.literal('unavailable'), store: z.literal('unreachable') })) },
  });
}

/**
 * The OpenAPI 3.1 description of the gateway's HTTP surface: the payments API integrators call, the
 * Twilio voice webhooks, and the health probes, with the server URL this gateway is reached at. It is
 * generated from the zod schemas that validate the requests and shape the answers, so the two cannot
 * drift apart.
 */
export function openApiDocument(publicBaseUrl: string) {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'The gateway API key: `Authorization: Bearer $API_KEY`.',
  });
  registry.registerComponent('securitySchemes', 'twilioSignature', {
    type: 'apiKey',
    in: 'header',
    name: 'X-Twilio-Signature',
    description: "Twilio's request signature over the public URL and form fields.",
  });
  registerPaymentPaths(registry);
  registerWebhookPaths(registry, shared);
  registerVoicePaths(registry, shared.paymentId('whose voiceUrl this is'));
  registerHealthPaths(registry);

  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Card capture gateway API',
      version: '0.1.0',
      description:
        'Create a payment, give the caller its pay code (or send the call to its voiceUrl), and read the masked result. ' +
        'Card data is only ever typed on the phone keypad; no response contains more than the brand and last 4 digits.',
    },
    servers: [{ url: publicBaseUrl }],
    tags: [
      { name: 'payments', description: 'The payments API (bearer API key).' },
      { name: 'webhooks', description: 'Payment events posted to your endpoints, signed per Standard Webhooks (bearer API key to manage them).' },
      { name: 'embed', description: "The embeddable status view's data (a payment's status token, from `POST /api/payments/{id}/status-tokens`)." },
      { name: 'voice', description: 'Twilio voice webhooks (signed with X-Twilio-Signature); configure them on the number.' },
      { name: 'health', description: 'Probes for load balancers and orchestrators.' },
    ],
    security: [{ bearerAuth: [] }],
  });
}

export type OpenApiDocument = ReturnType<typeof openApiDocument>;
