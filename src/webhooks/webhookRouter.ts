import express, { Router } from 'express';
import { PAYMENT_EVENT_TYPES } from '../core/payments/paymentEvents';
import { GatewayError } from '../core/http/errors';
import { requireApiKey } from '../core/http/requireApiKey';
import { requireJsonBody } from '../core/http/requireJsonBody';
import { endpointIdSchema, newEndpointSchema } from './webhookSchemas';
import type { WebhookService } from './webhookService';

const LISTED_ATTEMPTS = 100;

/** `/api/webhooks`: register, list and delete endpoints, and see their deliveries. Every call needs the API key. */
export function webhookRouter(service: WebhookService, apiKey: string): Router {
  const router = Router();
  router.use(requireApiKey(apiKey));
  router.use(requireJsonBody());
  router.use(express.json({ limit: '16kb', strict: true }));

  const endpointId = (raw: unknown): string => {
    const id = String(raw);
    if (!endpointIdSchema.safeParse(id).success) throw notFound(id);
    return id;
  };

  router.post('/', async (req, res) => {
    const body: unknown = req.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new GatewayError('invalid_body', 'The body must be a JSON object.');
    const parsed = newEndpointSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      if (issue.code === 'unrecognized_keys') {
        throw new GatewayError('unknown_field', `${issue.keys.join(', ')}: unknown field; the fields are url, events and description.`);
      }
      const field = String(issue.path[0] ?? 'body');
      throw new GatewayError(`invalid_${field}`, `${field}: ${issue.message}`);
    }
    const outcome = await service.register({
      url: parsed.data.url,
      events: parsed.data.events ?? [...PAYMENT_EVENT_TYPES],
      description: parsed.data.description ?? null,
    });
    if (!outcome.ok) throw new GatewayError(outcome.code, outcome.message, { status: outcome.status });
    res.status(201).location(`/api/webhooks/${outcome.endpoint.id}`).json(outcome.endpoint);
  });

  router.get('/', async (_req, res) => {
    res.json({ data: await service.list() });
  });

  router.get('/:id', async (req, res) => {
    const id = endpointId(req.params.id);
    const endpoint = await service.get(id);
    if (!endpoint) throw notFound(id);
    res.json(endpoint);
  });

  router.delete('/:id', async (req, res) => {
    const id = endpointId(req.params.id);
    if (!(await service.remove(id))) throw notFound(id);
    res.status(204).end();
  });

  router.get('/:id/deliveries', async (req, res) => {
    const id = endpointId(req.params.id);
    const attempts = await service.deliveries(id, LISTED_ATTEMPTS);
    if (!attempts) throw notFound(id);
    res.json({ data: attempts });
  });

  return router;
}

function notFound(id: string): GatewayError {
  return new GatewayError('not_found', `No webhook endpoint with id "${id.slice(0, 60)}".`, { status: 404 });
}
