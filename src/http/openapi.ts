import type { FailureCode } from '../capture/types';
import { CARD_BRANDS } from '../domain/cardBrand';
import type { PaymentStatus } from '../payments/payment';
import { DECLINE_CODES } from '../ports/processor';
import { REFUND_ERROR_CODES, refundPathSpec, refundPaymentProperties, refundSchemas } from './refundOpenApi';

/** A JSON Schema (2020-12, as OpenAPI 3.1 uses it) or any other OpenAPI object, kept loose on purpose. */
type Json = { [key: string]: unknown };

interface Operation {
  summary: string;
  description?: string;
  operationId: string;
  tags: string[];
  security?: Array<Record<string, string[]>>;
  parameters?: Json[];
  requestBody?: Json;
  responses: Record<string, Json>;
}

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  servers: Array<{ url: string }>;
  tags: Array<{ name: string; description: string }>;
  security: Array<Record<string, string[]>>;
  paths: Record<string, Partial<Record<'get' | 'post', Operation>>>;
  components: { securitySchemes: Record<string, Json>; schemas: Record<string, Json>; responses: Record<string, Json> };
}

// Records keyed by the union make the compiler insist that every status and failure code is described.
const STATUSES: Record<PaymentStatus, string> = {
  pending: 'created; the pay code works until `expiresAt`',
  capturing: 'a call is entering the card',
  processing: 'the processor is deciding',
  succeeded: 'approved; `reference` is set',
  failed: 'declined, out of tries or the caller hung up; `failure` says which',
  canceled: 'the caller canceled on the keypad',
  expired: 'still pending after `expiresAt`; computed when read',
};
const FAILURE_CODES: Record<Exclude<FailureCode, (typeof DECLINE_CODES)[number]>, string> = {
  too_many_attempts: 'the caller ran out of tries',
  caller_hung_up: 'the caller hung up before paying',
};

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
  invalid_locale: '400: malformed, or a locale the flow does not speak',
  invalid_flow: '400: no such flow on this gateway',
  unknown_field: '400: an unknown field; the message lists the allowed ones',
  channel_unavailable: '400: channel "link" on a gateway built without pay links',
  invalid_email: '400: not an email address, or given for a phone payment',
  invalid_expiresInSeconds: '400: not 60 to 604800 seconds, or given for a phone payment',
  not_found: '404: no payment with that id, or no such endpoint',
  body_too_large: '413: the body is over 16 kB',
  unsupported_media_type: '415: a body sent with a Content-Type other than application/json',
  bad_request: '4xx: the request could not be read',
  internal: '500: unexpected failure; nothing about it is disclosed',
  ...REFUND_ERROR_CODES,
};

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const nullable = (schema: Json): Json => ({ oneOf: [schema, { type: 'null' }] });
const json = (schema: Json, extra: Json = {}) => ({ 'application/json': { schema, ...extra } });
const twiml = (description: string) => ({ description, content: { 'text/xml': { schema: { type: 'string' }, example: '<Response>…</Response>' } } });
const errorExample = (code: string, message: string) => ({ value: { error: { code, message } } });
/** A JSON object whose every field has one fixed value, as the health probes answer. */
const constBody = (fields: Record<string, string>) =>
  json({ type: 'object', required: Object.keys(fields), properties: Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, { const: v }])) });

/** The form fields Twilio posts with every voice webhook (only those the gateway reads are listed). */
const twilioForm = (extra: Record<string, Json> = {}, required: string[] = []): Json => {
  const properties = { CallSid: { type: 'string', pattern: '^CA[0-9a-fA-F]{32}$' }, From: { type: 'string' }, To: { type: 'string' }, CallStatus: { type: 'string' }, ...extra };
  return { required: true, content: { 'application/x-www-form-urlencoded': { schema: { type: 'object', required: ['CallSid', ...required], properties } } } };
};

/** Twilio sends each parameter once; its signature would not tell a repeated one apart. */
const REPEATED_PARAMETER: Json = { description: 'A parameter came more than once: refused before anything reads it.' };

const voiceOperation = (operationId: string, summary: string, description: string, extra: Partial<Operation> = {}): Operation => ({
  operationId,
  summary,
  description,
  tags: ['voice'],
  security: [{ twilioSignature: [] }],
  requestBody: twilioForm(),
  responses: {
    '200': twiml('TwiML for the caller. Failures are answered with an apology in TwiML, never a 5xx.'),
    '400': REPEATED_PARAMETER,
    '403': { $ref: '#/components/responses/BadSignature' },
  },
  ...extra,
});

const paymentIdParameter = (where: string): Json => ({
  name: 'id', in: 'path', required: true, description: `The payment id ${where}.`,
  schema: { type: 'string', pattern: '^pay_[a-z0-9]{10,40}$', example: 'pay_k3v7q2m5xza4b6c3d2e4f6g7' },
});

/**
 * The OpenAPI 3.1 description of the gateway's HTTP surface: the payments API integrators call, the
 * Twilio voice webhooks, and the health probes, with the server URL this gateway is reached at.
 */
export function openApiDocument(publicBaseUrl: string): OpenApiDocument {
  return {
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
      { name: 'voice', description: 'Twilio voice webhooks (signed with X-Twilio-Signature); configure them on the number.' },
      { name: 'health', description: 'Probes for load balancers and orchestrators.' },
    ],
    security: [{ bearerAuth: [] }],
    paths: {
      '/api/payments': {
        post: {
          operationId: 'createPayment',
          summary: 'Create a payment to be paid by phone',
          tags: ['payments'],
          requestBody: {
            required: true,
            content: json(ref('CreatePaymentRequest'), {
              examples: {
                invoice: { value: { amount: '12.34', currency: 'USD', description: 'Invoice 1042', channel: 'phone', callSid: `CA${'0'.repeat(32)}` } },
                minimal: { value: { amount: '1500', currency: 'JPY' } },
                spanish: { value: { amount: '20.00', currency: 'EUR', locale: 'es-US' } },
              },
            }),
          },
          responses: {
            '201': {
              description: 'Created. The pay code is only ever returned here.',
              headers: { Location: { description: 'Path of the new payment.', schema: { type: 'string', example: '/api/payments/pay_k3v7q2m5xza4b6c3d2e4f6g7' } } },
              content: json(ref('CreatedPayment')),
            },
            '400': {
              description: 'The body is invalid; `error.message` starts with the name of the bad field.',
              content: json(ref('Error'), {
                examples: {
                  missingAmount: errorExample('invalid_amount', 'amount: is required'),
                  tooManyDecimals: errorExample('invalid_amount', 'amount: USD amounts have at most 2 decimal places'),
                  badCurrency: errorExample('invalid_currency', 'currency: must be an ISO 4217 code such as "USD"'),
                  notChargeable: errorExample('invalid_amount', 'amount: 5.124 KWD cannot be charged exactly: Stripe takes KWD amounts whose third decimal is 0'),
                  badJson: errorExample('invalid_json', 'The request body is not valid JSON.'),
                  badEmail: errorExample('invalid_email', 'email: must be an email address'),
                },
              }),
            },
            '401': { $ref: '#/components/responses/Unauthorized' },
            '413': { description: 'The body is over 16 kB.', content: json(ref('Error')) },
            '415': { $ref: '#/components/responses/UnsupportedMediaType' },
          },
        },
      },
      '/api/payments/{id}': {
        get: {
          operationId: 'getPayment',
          summary: 'Read a payment: status and masked card facts',
          tags: ['payments'],
          parameters: [paymentIdParameter('returned at creation')],
          responses: {
            '200': { description: 'The payment.', content: json(ref('Payment')) },
            '401': { $ref: '#/components/responses/Unauthorized' },
            '404': { description: 'No payment with that id (a malformed id included).', content: json(ref('Error'), { example: { error: { code: 'not_found', message: 'No payment with id "pay_x".' } } }) },
          },
        },
      },
      ...refundPathSpec(paymentIdParameter('returned at creation')),
      '/api/openapi.json': {
        get: {
          operationId: 'getOpenApiDocument',
          summary: 'This document',
          tags: ['payments'],
          security: [],
          responses: { '200': { description: 'The OpenAPI 3.1 document.', content: json({ type: 'object' }) } },
        },
      },
      '/voice/incoming': {
        post: voiceOperation('voiceIncoming', 'A call to the self-service number', 'The caller is asked for the pay code. Set as the number\'s "A call comes in" webhook.', {
          parameters: [
            { name: 'flow', in: 'query', required: false, schema: { type: 'string' }, description: 'Flow to run; the default flow when unknown.' },
            { name: 'locale', in: 'query', required: false, schema: { type: 'string', example: 'es-US' }, description: 'Language to speak when the flow has it.' },
          ],
        }),
      },
      '/voice/payments/{id}': {
        post: voiceOperation('voicePayment', 'A call sent to one payment', "The payment's voiceUrl: no pay code is asked; the payment is claimed by this call.", {
          parameters: [paymentIdParameter('whose voiceUrl this is')],
        }),
      },
      '/voice/capture': {
        post: voiceOperation('voiceCapture', 'Keys typed at a <Gather>, or a <Redirect> while on hold', 'Only ever reached through URLs in the TwiML the gateway returned.', {
          parameters: [
            { name: 'turn', in: 'query', required: true, schema: { type: 'integer', minimum: 0 }, description: 'The turn the TwiML was rendered for; stale or duplicate deliveries are answered as before.' },
            { name: 'poll', in: 'query', required: false, schema: { const: '1' }, description: 'Set on <Redirect> URLs while the caller holds.' },
          ],
          requestBody: twilioForm({
            Digits: { type: 'string', description: 'Keys typed, without the finish key; empty when the <Gather> timed out.' },
            FinishedOnKey: { type: 'string', enum: ['', '#'] },
          }),
        }),
      },
      '/voice/status': {
        post: voiceOperation('voiceStatus', 'Call status callback', 'When the call ends the capture ends and whatever was entered is wiped.', {
          requestBody: twilioForm({ CallStatus: { type: 'string', enum: ['queued', 'ringing', 'in-progress', 'completed', 'busy', 'failed', 'no-answer', 'canceled'] } }, ['CallStatus']),
          responses: { '204': { description: 'Received.' }, '400': REPEATED_PARAMETER, '403': { $ref: '#/components/responses/BadSignature' } },
        }),
      },
      '/voice/fallback': {
        post: voiceOperation('voiceFallback', 'Fallback URL', 'Twilio calls it when a primary webhook failed; the caller hears an apology.'),
      },
      '/healthz': {
        get: {
          operationId: 'healthz',
          summary: 'Liveness: the process answers',
          tags: ['health'],
          security: [],
          responses: { '200': { description: 'Alive.', content: constBody({ status: 'ok' }) } },
        },
      },
      '/readyz': {
        get: {
          operationId: 'readyz',
          summary: 'Readiness: the store answers',
          tags: ['health'],
          security: [],
          responses: {
            '200': { description: 'Ready.', content: constBody({ status: 'ready', store: 'ok' }) },
            '503': { description: 'The store cannot be reached.', content: constBody({ status: 'unavailable', store: 'unreachable' }) },
          },
        },
      },
    },
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'The gateway API key: `Authorization: Bearer $API_KEY`.' },
        twilioSignature: { type: 'apiKey', in: 'header', name: 'X-Twilio-Signature', description: "Twilio's request signature over the public URL and form fields." },
      },
      responses: {
        Unauthorized: {
          description: 'Missing or wrong API key.',
          content: json(ref('Error'), { example: { error: { code: 'unauthorized', message: 'A valid API key is required: Authorization: Bearer <API_KEY>.' } } }),
        },
        UnsupportedMediaType: {
          description: 'A body sent as anything but `Content-Type: application/json`; nothing was done.',
          content: json(ref('Error'), { example: { error: { code: 'unsupported_media_type', message: 'The request body must be JSON, sent with Content-Type: application/json.' } } }),
        },
        BadSignature: { description: 'Missing or invalid X-Twilio-Signature.', content: { 'text/plain': { schema: { type: 'string' } } } },
      },
      schemas: {
        CreatePaymentRequest: {
          type: 'object',
          additionalProperties: false,
          required: ['amount', 'currency'],
          properties: {
            amount: {
              type: 'string',
              pattern: '^[0-9]+(\\.[0-9]+)?$',
              description: "Greater than zero, at most the currency's minor digits (2 for USD, 0 for JPY); no sign or exponent. Normalized: \"12.3\" becomes \"12.30\".",
              examples: ['12.34', '1500'],
            },
            currency: { type: 'string', pattern: '^[A-Za-z]{3}$', description: 'ISO 4217 code; case-insensitive, answered in upper case.', examples: ['USD', 'EUR', 'JPY'] },
            description: { type: 'string', maxLength: 200, description: 'Read to the caller. Must not contain card data.', examples: ['Invoice 1042'] },
            channel: {
              type: 'string',
              enum: ['phone', 'link'],
              default: 'phone',
              description: '"link": the answer carries a `payUrl` to paste into a chat; the customer pays on that page. Link payments use the `web` flow unless `flow` says otherwise.',
            },
            callSid: { type: 'string', pattern: '^CA[0-9a-fA-F]{32}$', description: 'The Twilio call this payment is for, when known.' },
            locale: { type: 'string', pattern: '^[a-z]{2}-[A-Z]{2}$', description: "One of the flow's locales; the flow's default otherwise.", examples: ['en-US', 'es-US'] },
            flow: { type: 'string', maxLength: 41, description: "A flow on this gateway; the gateway's default otherwise.", examples: ['default'] },
            email: { type: 'string', format: 'email', maxLength: 254, description: 'Link payments only: where the receipt is emailed (brand and last 4 only).' },
            expiresInSeconds: {
              type: 'integer',
              minimum: 60,
              maximum: 604800,
              description: 'Link payments only: how long the link works; LINK_TTL_SECONDS (15 minutes) otherwise.',
            },
          },
        },
        // Response objects stay open: fields may be added, and clients should ignore those they do not know.
        Payment: {
          type: 'object',
          required: [
            'id', 'status', 'amount', 'currency', 'channel', 'description', 'locale', 'flow', 'callSid', 'card', 'expiryCaptured',
            'securityCodeCaptured', 'reference', 'failure', 'voiceUrl', 'expiresAt', 'createdAt', 'updatedAt',
          ],
          properties: {
            id: { type: 'string', pattern: '^pay_[a-z0-9]{10,40}$' },
            status: {
              type: 'string',
              enum: Object.keys(STATUSES),
              description: Object.entries(STATUSES).map(([s, d]) => `\`${s}\`: ${d}`).join('; '),
            },
            amount: { type: 'string', description: 'Normalized to the currency\'s minor digits.', examples: ['12.30'] },
            currency: { type: 'string', pattern: '^[A-Z]{3}$' },
            channel: { type: 'string', enum: ['phone', 'link'] },
            description: nullable({ type: 'string' }),
            locale: { type: 'string', examples: ['en-US'] },
            flow: { type: 'string', examples: ['default'] },
            callSid: nullable({
              type: 'string',
              pattern: '^(CA|LK)[0-9a-fA-F]{32}$',
              description: 'The Twilio call capturing the payment; for a link payment, LK and an id derived from the link.',
            }),
            card: nullable({
              type: 'object',
              required: ['brand', 'last4'],
              properties: { brand: { type: 'string', enum: [...CARD_BRANDS] }, last4: { type: 'string', pattern: '^[0-9]{4}$' } },
            }),
            expiryCaptured: { type: 'boolean' },
            securityCodeCaptured: { type: 'boolean' },
            reference: nullable({ type: 'string', description: "The processor's reference, read to the caller.", examples: ['0123456789'] }),
            failure: nullable({
              type: 'object',
              required: ['code', 'message'],
              properties: {
                code: {
                  type: 'string',
                  enum: [...DECLINE_CODES, ...Object.keys(FAILURE_CODES)],
                  description: `Decline codes as the processor gave them, or: ${Object.entries(FAILURE_CODES).map(([c, d]) => `\`${c}\` (${d})`).join(', ')}.`,
                },
                message: { type: 'string' },
              },
            }),
            voiceUrl: { type: 'string', format: 'uri', description: 'Absolute URL to send a live call to (e.g. with <Redirect> or a call update) to pay this payment.' },
            payUrl: {
              type: 'string',
              format: 'uri',
              description: 'Link payments only: the secure payment page, `$PUBLIC_BASE_URL/pay/<token>`; it works until `expiresAt` and pays once.',
            },
            expiresAt: { type: 'string', format: 'date-time', description: 'Until when the pay code works.' },
            createdAt: { type: 'string', format: 'date-time' },
            updatedAt: { type: 'string', format: 'date-time' },
            ...refundPaymentProperties(),
          },
        },
        ...refundSchemas(),
        CreatedPayment: {
          allOf: [ref('Payment')],
          type: 'object',
          required: ['payCode'],
          properties: { payCode: { type: 'string', pattern: '^[0-9]{6}$', description: 'What the caller types; valid until the payment is claimed or expires.' } },
        },
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: {
                code: {
                  type: 'string',
                  description: Object.entries(ERROR_CODES).map(([c, d]) => `\`${c}\`: ${d}`).join('; '),
                  examples: Object.keys(ERROR_CODES).filter((c) => !c.includes('<')),
                },
                message: { type: 'string', description: 'For people; for a bad field it starts with "<field>: ".' },
              },
            },
          },
        },
      },
    },
  };
}
