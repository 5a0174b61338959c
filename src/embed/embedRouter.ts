import { Router, type Request, type Response } from 'express';
import type { Logger } from '../observability/logger';
import type { Clock } from '../ports/clock';
import { COMPONENT_JS } from './componentScript';
import type { StatusReader } from './statusReader';
import type { StatusTokens } from './statusTokens';

export interface EmbedRouterDeps {
  tokens: StatusTokens;
  reader: Pick<StatusReader, 'read'>;
  clock: Clock;
  logger: Logger;
  /** How often an open stream reads the payment again; it sends only what changed. */
  pollMs: number;
}

/** How long a stream may stay silent before a comment keeps proxies from closing it. */
const KEEP_ALIVE_MS = 15_000;
/** The script may change with a release: caches keep it briefly and then revalidate by its ETag. */
const SCRIPT_CACHE = 'public, max-age=300, must-revalidate';
const PAYMENT_ID = /^pay_[a-z0-9]{10,40}$/;
/**
 * Open streams one payment may have on this process. Each reads the store every `pollMs`: a leaked or
 * looping token must not turn into unbounded store load. A desk needs one or two.
 */
export const MAX_STREAMS_PER_PAYMENT = 10;

/** The bearer token of a request, or null; never logged or echoed. */
function bearerOf(req: Request): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
  return match ? match[1]! : null;
}

/**
 * `/embed`: the `<card-capture-status>` element's script and the masked status it shows. Any site may
 * load the script and call these routes (CORS `*`): what opens a payment's status is its bearer token,
 * sent in a header (never in a URL, where logs and referrers would keep it) and never a cookie, so
 * another site has nothing ambient to ride on.
 */
export function embedRouter(deps: EmbedRouterDeps): { router: Router; closeStreams(): void } {
  const router = Router();
  const streams = new Set<Response>();
  const openPerPayment = new Map<string, number>();

  router.use((req, res, next) => {
    res.set({
      'Access-Control-Allow-Origin': '*',
      // Helmet's same-origin default would keep other sites' pages from loading the script at all.
      'Cross-Origin-Resource-Policy': 'cross-origin',
    });
    if (req.method === 'OPTIONS') {
      res.set({ 'Access-Control-Allow-Methods': 'GET', 'Access-Control-Allow-Headers': 'Authorization', 'Access-Control-Max-Age': '600' });
      res.status(204).end();
      return;
    }
    next();
  });

  router.get('/card-capture-status.js', (_req, res) => {
    res.set('Cache-Control', SCRIPT_CACHE).type('text/javascript').send(COMPONENT_JS);
  });

  /** The token's check, answered as `{ error }` when it fails; the payment id, not the token, is what may be logged. */
  const authorised = async (req: Request, res: Response): Promise<{ id: string; expiresAt: Date } | null> => {
    res.set('Cache-Control', 'no-store');
    const id = String(req.params.id);
    const check = await deps.tokens.check(bearerOf(req), PAYMENT_ID.test(id) ? id : '');
    if (!check.ok) {
      if (check.status === 401) res.set('WWW-Authenticate', 'Bearer realm="card-capture-status"');
      res.status(check.status).json({ error: { code: check.code, message: check.message } });
      return null;
    }
    return { id, expiresAt: check.expiresAt };
  };

  router.get('/payments/:id/status', async (req, res) => {
    const granted = await authorised(req, res);
    if (!granted) return;
    const view = await deps.reader.read(granted.id);
    if (!view) {
      res.status(404).json({ error: { code: 'not_found', message: 'The payment is no longer kept.' } });
      return;
    }
    res.json(view);
  });

  router.get('/payments/:id/events', async (req, res) => {
    const granted = await authorised(req, res);
    if (!granted) return;
    const open = openPerPayment.get(granted.id) ?? 0;
    if (open >= MAX_STREAMS_PER_PAYMENT) {
      res.status(429).set('Retry-After', '30').json({ error: { code: 'too_many_streams', message: 'Too many open status streams for this payment.' } });
      return;
    }
    openPerPayment.set(granted.id, open + 1);
    res.status(200).set({ 'Content-Type': 'text/event-stream', 'X-Accel-Buffering': 'no' });
    res.flushHeaders();
    streams.add(res);
    const send = (name: string, data: unknown) => res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
    let last = '';
    let lastWriteMs = Date.now();
    let reading = false;
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      clearInterval(timer);
      streams.delete(res);
      const left = (openPerPayment.get(granted.id) ?? 1) - 1;
      if (left > 0) openPerPayment.set(granted.id, left);
      else openPerPayment.delete(granted.id);
      res.end();
    };
    // The store is the one truth every process shares, so any process's stream sees a change any other committed.
    const tick = async () => {
      if (reading || ended) return;
      reading = true;
      try {
        if (deps.clock.now().getTime() >= granted.expiresAt.getTime()) {
          send('expired', { message: 'The status token has expired.' });
          end();
          return;
        }
        const view = await deps.reader.read(granted.id);
        if (ended) return;
        if (!view) {
          send('gone', { message: 'The payment is no longer kept.' });
          end();
          return;
        }
        const text = JSON.stringify(view);
        if (text !== last) {
          last = text;
          res.write(`event: status\ndata: ${text}\n\n`);
          lastWriteMs = Date.now();
        } else if (Date.now() - lastWriteMs >= KEEP_ALIVE_MS) {
          res.write(': keep-alive\n\n');
          lastWriteMs = Date.now();
        }
        // A final payment changes no more: the stream ends, and the element stops following.
        if (view.final) end();
      } catch (error) {
        deps.logger.warn('embed: a status stream could not read its payment', { paymentId: granted.id, error });
      } finally {
        reading = false;
      }
    };
    const timer = setInterval(() => void tick(), deps.pollMs);
    res.on('close', end);
    res.write('retry: 3000\n\n');
    await tick();
  });

  return {
    router,
    closeStreams() {
      for (const res of [...streams]) res.end();
      streams.clear();
    },
  };
}
