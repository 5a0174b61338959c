import express, { type Express } from 'express';
import helmet from 'helmet';
import type { Logger } from '../logging/logger';
import type { KeyValueStore } from '../ports/keyValueStore';
import { apiRouter, type ApiRouterDeps } from './apiRouter';
import { jsonErrorHandler } from './errors';
import { voiceRouter, type VoiceRouterDeps } from './voiceRouter';

export interface AppDeps {
  api: ApiRouterDeps;
  voice: VoiceRouterDeps;
  store: KeyValueStore;
  logger: Logger;
}

/** The gateway's HTTP surface: voice webhooks, the payments API, health. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // Behind a load balancer the client address comes from X-Forwarded-For.
  app.set('trust proxy', true);
  app.use(helmet());

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await deps.store.ping();
      res.json({ status: 'ready', store: 'ok' });
    } catch {
      res.status(503).json({ status: 'unavailable', store: 'unreachable' });
    }
  });

  app.use('/voice', voiceRouter(deps.voice));
  app.use('/api', apiRouter(deps.api));
  app.use((_req, res) => {
    res.status(404).json({ error: { code: 'not_found', message: 'No such endpoint.' } });
  });
  app.use(jsonErrorHandler(deps.logger));
  return app;
}
