import type { OpenAPIRegistry, ResponseConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import {
  createdEndpointSchema,
  deliveryListSchema,
  endpointIdSchema,
  endpointListSchema,
  endpointViewSchema,
  eventBodySchema,
  newEndpointSchema,
} from './webhookSchemas';

/** What the API document shares with this part of it: its error answers. */
export interface WebhookDocumentParts {
  error(description: string): ResponseConfig;
  unauthorized: ResponseConfig;
  unsupportedMediaType: ResponseConfig;
}

/** The `error.code`s only the webhook endpoints answer with. */
export const WEBHOOK_ERROR_CODES: Record<string, string> = {
  invalid_url: '400: the endpoint URL is not https (http only to localhost outside production), or in production resolves to a private address',
  invalid_events: '400: events is not a non-empty list of known event types without repeats',
  too_many_endpoints: '409: the gateway already has the most endpoints it takes (20)',
};

const json = (schema: z.ZodType) => ({ 'application/json': { schema } });

/** `/api/webhooks…` and the event every delivery posts, described from the schemas the router and publisher use. */
export function registerWebhookPaths(registry: OpenAPIRegistry, parts: WebhookDocumentParts): void {
  const id = z.object({ id: endpointIdSchema.meta({ param: { description: 'The endpoint id returned at creation.' }, example: 'we_0123456789abcdef01234567' }) });
  const notFound = parts.error('No endpoint with that id.');
  const tags = ['webhooks'];

  registry.registerPath({
    method: 'post',
    path: '/api/webhooks',
    operationId: 'createWebhookEndpoint',
    summary: 'Register an endpoint to receive payment events',
    tags,
    request: { body: { required: true, content: json(newEndpointSchema) } },
    responses: {
      201: { description: 'Registered. The secret is only ever returned here.', content: json(createdEndpointSchema) },
      400: parts.error('A bad url, events list or description.'),
      401: parts.unauthorized,
      409: parts.error('Too many endpoints.'),
      415: parts.unsupportedMediaType,
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/webhooks',
    operationId: 'listWebhookEndpoints',
    summary: 'List the registered endpoints (without secrets)',
    tags,
    responses: { 200: { description: 'The endpoints.', content: json(endpointListSchema) }, 401: parts.unauthorized },
  });
  // Every path below an endpoint takes its id and answers 404 when no endpoint has it.
  const endpointPath = (method: 'get' | 'delete', below: string, operationId: string, summary: string, answer: Record<number, ResponseConfig>) =>
    registry.registerPath({
      method,
      path: `/api/webhooks/{id}${below}`,
      operationId,
      summary,
      tags,
      request: { params: id },
      responses: { ...answer, 401: parts.unauthorized, 404: notFound },
    });
  endpointPath('get', '', 'getWebhookEndpoint', 'Read an endpoint (without its secret)', {
    200: { description: 'The endpoint.', content: json(endpointViewSchema) },
  });
  endpointPath('delete', '', 'deleteWebhookEndpoint', 'Delete an endpoint; deliveries still queued for it are dropped', {
    204: { description: 'Deleted.' },
  });
  endpointPath('get', '/deliveries', 'listWebhookDeliveries', "An endpoint's delivery attempts and its answers (status, duration, error; never bodies)", {
    200: { description: 'The latest attempts.', content: json(deliveryListSchema) },
  });

  registry.registerWebhook({
    method: 'post',
    path: 'paymentEvent',
    operationId: 'paymentEvent',
    summary: 'A payment event, posted to each subscribed endpoint',
    description:
      'Signed per Standard Webhooks: verify `webhook-signature` over `webhook-id`, `webhook-timestamp` and the raw body with the endpoint secret. ' +
      'Delivered at least once (retried with backoff for about a day): deduplicate by `webhook-id`, order by `data.sequence`.',
    tags,
    security: [],
    request: {
      headers: z.object({ 'webhook-id': z.string(), 'webhook-timestamp': z.string(), 'webhook-signature': z.string() }),
      body: { required: true, content: json(eventBodySchema) },
    },
    responses: { 200: { description: 'Any 2xx answer counts as delivered; anything else, or no answer in time, is retried.' } },
  });
}
