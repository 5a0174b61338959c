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
  // Behind a load balancer on a private network the client address comes from X-Forwarded-For;
  // a forwarded header from anywhere else is not believed.
  app.set('trust proxy', 'loopback, linklocal, uniquelocal');

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

  // Twilio is not a browser: browser-hardening headers would only add bytes to every TwiML answer.
  app.use('/voice', voiceRouter(deps.voice));
  app.use(helmet());
  app.use('/api', apiRouter(deps.api));
  app.use((_req, res) => {
    res.status(404).json({ error: { code: 'not_found', message: 'No such endpoint.' } });
  });
  app.use(jsonErrorHandler(deps.logger));
  return app;
}
