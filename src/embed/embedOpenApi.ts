import type { OpenAPIRegistry, ResponseConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { statusTokenRequestSchema, statusTokenSchema } from './statusTokenRouter';

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

/** `POST /api/payments/{id}/status-tokens`, described from the schemas its router validates with. */
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
}
