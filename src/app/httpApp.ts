import express, { type Express } from 'express';
import helmet from 'helmet';
import type { TrustProxy } from '../config/trustProxy';
import type { Logger } from '../observability/logger';
import type { KeyValueStore } from '../ports/keyValueStore';
import type { PrometheusMetrics } from '../observability/metrics';
import { apiRouter, type ApiRouterDeps } from '../api/apiRouter';
import { bridgeRouter, type BridgeRouterDeps } from '../agent/bridge/bridgeRouter';
import { jsonErrorHandler } from '../core/http/errors';
import { metricsRouter } from '../observability/metricsRouter';
import { payRouter, type PayRouterDeps } from '../links/payRouter';
import { voiceRouter, type VoiceRouterDeps } from '../phone/voiceRouter';

export interface AppDeps {
  api: ApiRouterDeps;
  voice: VoiceRouterDeps;
  store: KeyValueStore;
  logger: Logger;
  /** Serves GET /metrics behind `bearerKey` when given. */
  metrics?: { registry: PrometheusMetrics; bearerKey: string };
  /** True once shutdown has begun: readiness then answers 503. */
  isDraining?: () => boolean;
  /** The configured processor adapter (PROCESSOR), reported by readiness. */
  processor?: string;
  /** The payment page of pay links; without it `/pay/*` is not served. */
  pay?: PayRouterDeps;
  /** The agent bridge's webhooks; without it `/voice/bridge` is not served. */
  bridge?: BridgeRouterDeps;
  /** The agent panel (`/panel`); not served without it. */
  panel?: express.Router;
  /** The embeddable status view: its token minting (under `/api`) and its script and stream (`/embed`). */
  embed?: { api: express.Router; page: express.Router };
  /** The processor's own signed events (`POST /webhooks/stripe`); not served without it. */
  processorEvents?: express.Router;
  /** Merchant webhook endpoints (`/api/webhooks`); not served without them. */
  webhooks?: express.Router;
  /** The page served at `/` (development only); without it `/` is an unknown path like any other. */
  startPage?: string;
  /** True when PUBLIC_BASE_URL is https: only then is Strict-Transport-Security sent. */
  https?: boolean;
  /** The proxies whose X-Forwarded-For names the client (TRUST_PROXY); none when absent. */
  trustProxy?: TrustProxy;
}

/** The gateway's HTTP surface: voice webhooks, the payments API, health. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // Rate limits and lockouts are keyed on req.ip: X-Forwarded-For is believed only from the proxies
  // the operator named, or any peer could pass itself off as someone else and lock them out.
  app.set('trust proxy', deps.trustProxy ?? false);

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    if (deps.isDraining?.()) {
      res.status(503).json({ status: 'draining' });
      return;
    }
    try {
      await deps.store.ping();
      res.json({ status: 'ready', store: 'ok', ...(deps.processor ? { processor: deps.processor } : {}) });
    } catch {
      res.status(503).json({ status: 'unavailable', store: 'unreachable' });
    }
  });

  // Twilio is not a browser: browser-hardening headers would only add bytes to every TwiML answer.
  if (deps.bridge) app.use('/voice/bridge', bridgeRouter(deps.bridge));
  app.use('/voice', voiceRouter(deps.voice));
  // HSTS promises browsers the host is https-only: a gateway whose public URL is plain http must not make it.
  app.use(helmet({ strictTransportSecurity: deps.https === true }));
  if (deps.startPage !== undefined) {
    const startPage = deps.startPage;
    app.get('/', (_req, res) => {
      res.type('html').send(startPage);
    });
  }
  if (deps.processorEvents) app.use('/webhooks/stripe', deps.processorEvents);
  if (deps.webhooks) app.use('/api/webhooks', deps.webhooks);
  if (deps.embed) app.use('/api', deps.embed.api);
  app.use('/api', apiRouter(deps.api));
  if (deps.pay) app.use('/pay', payRouter(deps.pay));
  if (deps.panel) app.use('/panel', deps.panel);
  if (deps.embed) app.use('/embed', deps.embed.page);
  if (deps.metrics) app.use(metricsRouter(deps.metrics.registry, deps.metrics.bearerKey));
  app.use((_req, res) => {
    res.status(404).json({ error: { code: 'not_found', message: 'No such endpoint.' } });
  });
  app.use(jsonErrorHandler(deps.logger));
  return app;
}
