import { Router } from 'express';
import type { PrometheusMetrics } from './metrics';
import { requireApiKey } from '../core/http/requireApiKey';

/**
 * GET /metrics in Prometheus' text format, behind a bearer key. The gateway's port faces Twilio
 * and so the internet; payment volumes and decline rates are business data, so they are not public.
 */
export function metricsRouter(metrics: PrometheusMetrics, bearerKey: string): Router {
  const router = Router();
  router.get('/metrics', requireApiKey(bearerKey), async (_req, res) => {
    const { contentType, body } = await metrics.render();
    res.status(200).type(contentType).set('cache-control', 'no-store').send(body);
  });
  return router;
}
