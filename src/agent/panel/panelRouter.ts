import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type Request, type Response, Router } from 'express';
import { keyIdOf, type AgentAccounts } from '../accounts/agentAccounts';
import { canSee, mayAct, type Viewer } from '../accounts/agentScope';
import type { AuditEntry, AuditTrail } from '../auditTrail';
import { PANEL_IDLE_SECONDS, type PanelSession, type PanelSessions } from '../accounts/panelSessions';
import type { SignInThrottle } from '../accounts/signInThrottle';
import { BRIDGE_ID } from '../bridge/bridge';
import type { AgentResult, BridgeService } from '../bridge/bridgeService';
import type { ChatLinks } from '../chat/chatLinks';
import type { AgentAction } from '../../core/capture/captureService';
import { GUIDE_ACTIONS, type GuideAction } from '../../core/capture/meaning';
import type { Logger } from '../../observability/logger';
import type { Clock } from '../../ports/clock';
import type { EventBus, GatewayEvent } from '../../ports/eventBus';
import { panelPage } from './panelPage';
import { PANEL_JS } from './panelScript';
import { PANEL_CSS } from './panelStyles';
import { signInPage } from './signInPage';

export interface PanelRouterDeps {
  bridges: BridgeService;
  sessions: PanelSessions;
  audit: AuditTrail;
  throttle: SignInThrottle;
  events: EventBus;
  clock: Clock;
  logger: Logger;
  /** Who may sign in: named agents with their own keys (the API key does not open the panel). */
  agents: AgentAccounts;
  publicBaseUrl: string;
  /** Finished call recordings, for supervisors; null when the gateway records none. */
  recordings: PanelRecordings | null;
  /** Pay links the agent makes for chat customers. */
  chatLinks: Pick<ChatLinks, 'create'>;
}

/** The finished recordings the panel lists and serves (the relay's recordings folder). */
export interface PanelRecordings {
  list(): Promise<Array<{ id: string; finishedAt: Date; seconds: number }>>;
  /** The recording as a stream, or null when there is none of that id. */
  open(id: string): Promise<{ bytes: number; stream: NodeJS.ReadableStream } | null>;
}

const COOKIE = 'ccg_panel';
const ACTIONS: ReadonlySet<string> = new Set<AgentAction | GuideAction>(['confirmed', 'reenter', 'cancel', 'retry', ...GUIDE_ACTIONS]);
/** How often an open event stream is kept alive and its session checked. */
const STREAM_CHECK_MS = 15_000;
/** Strict: our own script and stylesheet, nothing inline, nothing third-party, no framing. */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const digest = (s: string) => createHash('sha256').update(s).digest();
const sameSecret = (given: string, expected: string) => timingSafeEqual(digest(given), digest(expected));

/** The agent panel: sign-in, live bridges over server-sent events, and the agent's actions. */
export function panelRouter(deps: PanelRouterDeps): { router: Router; closeStreams(): void } {
  const router = Router();
  const secure = deps.publicBaseUrl.startsWith('https:');
  const expectedOrigin = new URL(deps.publicBaseUrl).origin;
  const streams = new Set<Response>();

  router.use((_req, res, next) => {
    res.set('Content-Security-Policy', CSP);
    res.set('Cache-Control', 'no-store');
    // With no-referrer (helmet's default) browsers send `Origin: null`, and the origin check needs the real one.
    res.set('Referrer-Policy', 'same-origin');
    next();
  });
  router.use(express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 10 }));
  router.use(express.json({ limit: '4kb', strict: true }));

  const cookieOf = (req: Request): string | undefined => {
    const header = req.get('cookie') ?? '';
    for (const part of header.split(';')) {
      const [name, ...value] = part.trim().split('=');
      if (name === COOKIE) return value.join('=');
    }
    return undefined;
  };
  const setCookie = (res: Response, value: string, maxAge: number) =>
    res.append('Set-Cookie', `${COOKIE}=${value}; Path=/panel; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure ? '; Secure' : ''}`);
  const audit = (req: Request, session: PanelSession | null, action: AuditEntry['action'], resource: string | null, result: string) =>
    deps.audit
      .record({ at: deps.clock.now().toISOString(), actor: session?.actor ?? 'anonymous', ip: req.ip ?? 'unknown', origin: req.get('origin') ?? null, action, resource, result })
      .catch((error: unknown) => deps.logger.error('audit entry failed', { error }));
  // Browsers send Origin with every POST; one from elsewhere is a cross-site request.
  const sameOrigin = (req: Request) => (req.get('origin') ?? expectedOrigin) === expectedOrigin;

  router.get('/panel.js', (_req, res) => {
    res.type('application/javascript').send(PANEL_JS);
  });
  router.get('/panel.css', (_req, res) => {
    res.type('text/css').send(PANEL_CSS);
  });

  /** The session of the request and who it is, while the agent still exists and holds the same key. */
  const signedIn = async (req: Request, touch: boolean): Promise<{ session: PanelSession; viewer: Viewer } | null> => {
    const cookie = cookieOf(req);
    const session = touch ? await deps.sessions.touch(cookie) : await deps.sessions.peek(cookie);
    if (!session?.agent) return null;
    const account = await deps.agents.get(session.agent.name);
    if (!account || keyIdOf(account) !== session.agent.keyId) return null;
    return { session, viewer: { name: account.name, role: account.role } };
  };

  router.get('/', async (req, res) => {
    const current = await signedIn(req, true);
    if (!current) {
      res.type('html').send(signInPage(null));
      return;
    }
    // Only supervisors are shown recordings; an agent's page does not say whether any exist.
    const recordings =
      current.viewer.role === 'supervisor' && deps.recordings
        ? await deps.recordings.list().catch((error: unknown) => {
            // The live calls matter more than the list: the page still opens, without it.
            deps.logger.error('recordings could not be listed', { error });
            return null;
          })
        : null;
    res.type('html').send(panelPage({ csrfToken: current.session.csrfToken, actor: current.session.actor, recordings }));
  });

  router.post('/sign-in', async (req, res) => {
    const given = typeof req.body?.key === 'string' ? req.body.key : '';
    const ip = req.ip ?? 'unknown';
    // A page opened at another address (or a cross-site form) checks no key, so it costs no try.
    if (!sameOrigin(req)) {
      await audit(req, null, 'sign-in', null, 'cross_origin');
      res.status(403).type('html').send(signInPage(`This page was opened at another address: open the panel at ${expectedOrigin}.`));
      return;
    }
    const turn = await deps.throttle.begin(ip);
    if (turn.kind === 'unavailable') {
      await audit(req, null, 'sign-in', null, 'store_unavailable');
      res.status(503).set('Retry-After', '30').type('html').send(signInPage('Sign-in is unavailable right now. Try again in a few minutes.'));
      return;
    }
    if (turn.kind === 'locked') {
      await audit(req, null, 'sign-in', null, 'locked_out');
      res.status(429).type('html').send(signInPage('Too many wrong keys from this address. Try again in 30 minutes.'));
      return;
    }
    const account = given ? await deps.agents.authenticate(given) : null;
    if (!account) {
      await deps.throttle.failed(ip, turn);
      await audit(req, null, 'sign-in', null, 'wrong_key');
      res.status(401).type('html').send(signInPage('That key is not valid.'));
      return;
    }
    await deps.throttle.succeeded(ip);
    await deps.sessions.end(cookieOf(req));
    const { cookie, session } = await deps.sessions.create(req.ip ?? 'unknown', deps.clock.now(), { name: account.name, keyId: keyIdOf(account) });
    await audit(req, session, 'sign-in', null, 'ok');
    setCookie(res, cookie, PANEL_IDLE_SECONDS);
    res.redirect(303, '/panel');
  });

  router.post('/sign-out', async (req, res) => {
    const session = await deps.sessions.peek(cookieOf(req));
    if (session && sameOrigin(req) && typeof req.body?.csrf === 'string' && sameSecret(req.body.csrf, session.csrfToken)) {
      await deps.sessions.end(cookieOf(req));
      await audit(req, session, 'sign-out', null, 'ok');
    }
    setCookie(res, '', 0);
    res.redirect(303, '/panel');
  });

  /** Signed in, same origin, and the session's CSRF token in the header: or a 401/403 answer. */
  const authorised = async (req: Request, res: Response): Promise<{ session: PanelSession; viewer: Viewer } | null> => {
    const current = await signedIn(req, true);
    if (!current) {
      res.status(401).json({ ok: false, code: 'signed_out', message: 'Your session has ended. Sign in again.' });
      return null;
    }
    const token = req.get('x-csrf-token') ?? '';
    if (!sameOrigin(req) || !token || !sameSecret(token, current.session.csrfToken)) {
      res.status(403).json({ ok: false, code: 'csrf', message: 'The request was refused. Reload the panel.' });
      return null;
    }
    return current;
  };
  const NOT_FOUND: AgentResult = { ok: false, code: 'not_found', message: 'No such call.' };
  /** Another agent's bridge is answered as unknown, so its existence does not leak either. */
  const bridgeFor = async (viewer: Viewer, id: string, action: string): Promise<AgentResult | null> => {
    const bridge = BRIDGE_ID.test(id) ? await deps.bridges.get(id) : null;
    if (!bridge || !canSee(viewer, bridge.agent)) return NOT_FOUND;
    if (!mayAct(viewer, bridge.agent, action)) return { ok: false, code: 'not_yours', message: 'Another agent is on this call.' };
    return null;
  };
  // A refusal that names a field is the agent's input to correct (400); the others say where the call stands.
  const answer = (res: Response, result: AgentResult) =>
    res.status(result.ok ? 200 : result.field ? 400 : result.code === 'not_found' ? 404 : result.code === 'not_yours' ? 403 : 409).json(result);

  router.post('/bridges/:id/capture', async (req, res) => {
    const current = await authorised(req, res);
    if (!current) return;
    const { session, viewer } = current;
    const id = String(req.params.id);
    const refused = await bridgeFor(viewer, id, 'start-capture');
    const body = (req.body ?? {}) as Record<string, unknown>;
    // Passed on as typed: the payments API's own check judges them, nothing is cut to fit here.
    const result = refused
      ? refused
      : await deps.bridges.startSecureCapture(id, { amount: body.amount, currency: body.currency, description: body.description }, viewer.name);
    await audit(req, session, 'start-capture', result.ok && result.paymentId ? `${id}/${result.paymentId}` : id.slice(0, 40), result.ok ? 'ok' : result.code);
    answer(res, result);
  });

  router.post('/bridges/:id/actions/:action', async (req, res) => {
    const current = await authorised(req, res);
    if (!current) return;
    const { session, viewer } = current;
    const id = String(req.params.id);
    const action = String(req.params.action);
    if (!ACTIONS.has(action) || !BRIDGE_ID.test(id)) {
      res.status(404).json({ ok: false, code: 'not_found', message: 'No such action.' });
      return;
    }
    const result = (await bridgeFor(viewer, id, action)) ?? (await deps.bridges.agentAction(id, action as AgentAction | GuideAction));
    await audit(req, session, action as AuditEntry['action'], id, result.ok ? 'ok' : result.code);
    answer(res, result);
  });

  // A pay link for a chat customer: the agent pastes the answer's payUrl into the chat, and the panel
  // follows the payment through `link` events. The audit names the payment, never the link (its token
  // is the customer's key to the page).
  router.post('/links', async (req, res) => {
    const current = await authorised(req, res);
    if (!current) return;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const result = await deps.chatLinks.create(
      { amount: body.amount, currency: body.currency, description: body.description, email: body.email, intent: body.intent },
      current.viewer.name,
    );
    await audit(req, current.session, 'create-link', result.ok ? result.paymentId : null, result.ok ? 'ok' : result.code);
    res.status(result.ok ? 201 : result.field ? 400 : 503).json(result);
  });

  // A supervisor's download of a finished call's recording. A plain link, so no CSRF token: it changes nothing,
  // and the SameSite=Strict cookie keeps other sites from using it. Every attempt is in the audit trail.
  router.get('/recordings/:id', async (req, res) => {
    const current = await signedIn(req, true);
    if (!current) {
      res.status(401).type('text/plain').send('Sign in first.');
      return;
    }
    const id = String(req.params.id);
    // A malformed id is not repeated anywhere: it is whatever was typed into the address.
    const valid = BRIDGE_ID.test(id);
    if (current.viewer.role !== 'supervisor') {
      await audit(req, current.session, 'download-recording', valid ? id : null, 'not_supervisor');
      res.status(403).type('text/plain').send('Only supervisors may listen to recordings.');
      return;
    }
    const found = valid && deps.recordings ? await deps.recordings.open(id) : null;
    await audit(req, current.session, 'download-recording', valid ? id : null, found ? 'ok' : valid ? 'not_found' : 'bad_id');
    if (!found) {
      res.status(404).type('text/plain').send('No such recording.');
      return;
    }
    res.status(200).set({ 'Content-Type': 'audio/wav', 'Content-Length': String(found.bytes), 'Content-Disposition': `attachment; filename="${id}.wav"` });
    found.stream.on('error', (error) => {
      deps.logger.error('recording download failed', { recording: id, error });
      res.destroy();
    });
    found.stream.pipe(res);
  });

  router.get('/events', async (req, res) => {
    const current = await signedIn(req, false);
    if (!current) {
      res.status(401).type('text/plain').send('Sign in first.');
      return;
    }
    const { viewer } = current;
    res.status(200).set({ 'Content-Type': 'text/event-stream', 'X-Accel-Buffering': 'no' });
    res.flushHeaders();
    const send = (name: string, data: unknown) => res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
    streams.add(res);
    // Bridges this panel was shown: when one becomes another agent's, the panel is told to drop it.
    const shown = new Set<string>();
    const deliver = (event: GatewayEvent) => {
      if (canSee(viewer, event.agent)) {
        if (event.type === 'bridge') shown.add(event.bridgeId);
        send(event.type, event);
      } else if (event.type === 'bridge' && shown.delete(event.bridgeId)) {
        send('gone', { bridgeId: event.bridgeId });
      }
    };
    // Subscribe before reading the snapshot, so nothing committed in between is missed.
    const stop = deps.events.subscribe(deliver);
    const timer = setInterval(() => {
      void signedIn(req, false).then((still) => {
        // A changed role changes what this stream may carry: the panel signs in again.
        if (still && still.viewer.role === viewer.role) res.write(': keep-alive\n\n');
        else {
          send('signed-out', {});
          res.end();
        }
      });
    }, STREAM_CHECK_MS);
    res.on('close', () => {
      clearInterval(timer);
      stop();
      streams.delete(res);
    });
    res.write('retry: 3000\n\n');
    const snapshot = await deps.bridges.snapshot();
    const bridges = snapshot.bridges.filter((b) => canSee(viewer, b.agent));
    for (const b of bridges) shown.add(b.bridgeId);
    send('snapshot', { bridges, payments: snapshot.payments.filter((p) => canSee(viewer, p.agent)) });
  });

  return {
    router,
    closeStreams() {
      for (const res of streams) res.end();
      streams.clear();
    },
  };
}
