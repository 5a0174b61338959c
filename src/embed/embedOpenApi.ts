import type { OpenAPIRegistry, ResponseConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { statusTokenRequestSchema, statusTokenSchema } from './statusTokenRouter';
import { embedStatusSchema } from './statusView';

/** What the API document shares with this part of it. */
export interface EmbedDocumentParts {
  error(description: string): ResponseConfig;
  unauthorized: ResponseConfig;
  unsupportedMediaType: ResponseConfig;
  paymentId(where: string): z.ZodString;
}

/** The `error.code`s only the status-token endpoint answers with. */
export const EMBED_ERROR_CODES: Record<string, string> = {
  invalid_ttlSeconds: '400 (status token): ttlSeconds is not a whole number from 60 to 3600',
};

/** A refusal of the status routes: the body every `/embed` error answers with. */
const embedErrorSchema = z.object({ error: z.object({ code: z.enum(['invalid_token', 'token_expired', 'forbidden', 'not_found']), message: z.string() }) });

/**
 * `POST /api/payments/{id}/status-tokens` and `GET /embed/payments/{id}/status`, described from the
 * schemas their routers validate with and answer in.
 */
export function registerEmbedPaths(registry: OpenAPIRegistry, parts: EmbedDocumentParts): void {
  registry.registerPath({
    method: 'post',
    path: '/api/payments/{id}/status-tokens',
    operationId: 'createStatusToken',
    summary: "Mint a short-lived token for the embeddable status view of one payment",
    description:
      'The token lets `<card-capture-status>` (served at `/embed/card-capture-status.js`) read this payment\'s masked status, ' +
      'and nothing else: another payment answers 403, and an expired token 401. Mint it on your server and hand it to the agent ' +
      'desktop, so that the API key never reaches a browser. It is only ever shown in this answer; the gateway keeps only its hash.',
    tags: ['payments'],
    request: {
      params: z.object({ id: parts.paymentId('whose status the token opens') }),
      body: { required: false, content: { 'application/json': { schema: statusTokenRequestSchema } } },
    },
    responses: {
      201: { description: 'The token and when it stops working.', content: { 'application/json': { schema: statusTokenSchema } } },
      400: parts.error('A bad ttlSeconds or body.'),
      401: parts.unauthorized,
      404: parts.error('No payment with that id.'),
      415: parts.unsupportedMediaType,
    },
  });

  registry.registerComponent('securitySchemes', 'statusToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'A status token from `POST /api/payments/{id}/status-tokens`: `Authorization: Bearer cst_…`. It opens one payment\'s status.',
  });
  const refusal = (description: string): ResponseConfig => ({ description, content: { 'application/json': { schema: embedErrorSchema } } });
  registry.registerPath({
    method: 'get',
    path: '/embed/payments/{id}/status',
    operationId: 'getEmbedStatus',
    summary: "One payment's masked status, as the embedded view shows it",
    description:
      'What `<card-capture-status>` shows, once. `GET /embed/payments/{id}/events` sends the same object as server-sent events ' +
      '(`event: status`) whenever it changes, and ends once it is `final`, or with `event: expired` when the token runs out. ' +
      'Any origin may call both (CORS `*`); the token goes in the Authorization header, never the URL.',
    tags: ['embed'],
    security: [{ statusToken: [] }],
    request: { params: z.object({ id: parts.paymentId('the token was minted for') }) },
    responses: {
      200: { description: 'The masked status.', content: { 'application/json': { schema: embedStatusSchema } } },
      401: refusal('No token, or a malformed, unknown or expired one (`invalid_token`, `token_expired`).'),
      403: refusal('The token is for another payment (`forbidden`).'),
      404: refusal('The payment is no longer kept.'),
    },
  });
}
