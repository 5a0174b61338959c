import express, { Router, type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import type { StoredState } from '../core/capture/callSession';
import type { Notice } from '../core/capture/types';
import type { LinkSecrets } from './linkSecrets';
import type { CardEntry, OpenLink, PayLinkService } from './payLinkService';
import type { Logger } from '../observability/logger';
import type { Limiter } from '../ports/limiter';
import { PAY_PAGE_ASSETS } from './page/assets';
import { payPageModel } from './page/pageModel';
import { renderNoticePage, renderPayPage } from './page/renderPayPage';

export interface PayRouterDeps {
  links: PayLinkService;
  secrets: LinkSecrets;
  /** Requests per minute from one client address, and to one link. */
  limits: { perClient: Limiter; perLink: Limiter };
  logger: Logger;
  merchantName: string;
}

/** Only our own origin, no inline code, no framing: the page takes card numbers. */
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** Expired, used and unknown links get this same page: nothing in it tells them apart. */
const UNAVAILABLE = renderNoticePage('This payment link cannot be used', [
  'The link may have expired, already been used, or be incomplete. Please ask for a new payment link.',
  'Este enlace de pago no se puede usar. Pida un enlace de pago nuevo.',
]);
const TOO_MANY = renderNoticePage('Too many requests', [
  'Please wait a minute, then try again.',
  'Demasiadas solicitudes. Espere un minuto e intente de nuevo.',
]);
const STALE_FORM = renderNoticePage('This form has expired', [
  'Please open the payment link again and re-enter your card details.',
  'Abra de nuevo el enlace de pago e ingrese los datos de su tarjeta.',
]);
const PROBLEM = renderNoticePage('Something went wrong', [
  'We could not take your payment right now. Please try again later.',
  'No pudimos procesar su pago en este momento. Intente más tarde.',
]);

/** The customer-facing payment page of pay links: GET shows it, POST pays through it. */
export function payRouter(deps: PayRouterDeps): Router {
  const router = Router();

  router.use((_req, res, next) => {
    res.set({
      'Content-Security-Policy': CSP,
      'Cache-Control': 'no-store',
      Pragma: 'no-cache',
      'Referrer-Policy': 'no-referrer',
      'X-Robots-Tag': 'noindex, nofollow',
    });
    next();
  });

  router.get('/assets/:name', (req, res) => {
    const found = PAY_PAGE_ASSETS[String(req.params.name)];
    if (!found) return void html(res, 404, UNAVAILABLE);
    res.set({ 'Content-Type': found.type, ETag: found.etag }).send(found.body);
  });

  const limited: RequestHandler = async (req, res, next) => {
    const token = String(req.params.token);
    const linkSubject = deps.secrets.isTokenShape(token) ? deps.secrets.hash(token).slice(0, 32) : 'malformed';
    const byClient = await deps.limits.perClient.consume(req.ip ?? 'unknown');
    const answer = byClient.outcome === 'allowed' ? await deps.limits.perLink.consume(linkSubject) : byClient;
    // Requests that cannot be counted are refused: an unreachable store must not lift the limits.
    if (answer.outcome === 'unavailable') {
      deps.logger.error('pay page refused: the rate limit store cannot be reached');
      return void html(res.set('Retry-After', '60'), 503, PROBLEM);
    }
    if (answer.outcome === 'limited') return void html(res.set('Retry-After', '60'), 429, TOO_MANY);
    next();
  };

  router.get('/:token', limited, async (req, res) => {
    const link = await deps.links.open(String(req.params.token));
    if (!link || (await deps.links.status(link)) !== 'open') return void html(res, 404, UNAVAILABLE);
    html(res, 200, page(deps, link, await deps.links.stateOf(link)));
  });

  router.post('/:token', limited, express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 10 }), async (req, res) => {
    const link = await deps.links.open(String(req.params.token));
    if (!link) return void html(res, 404, UNAVAILABLE);
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (!deps.secrets.csrfMatches(link.tokenHash, body.csrf)) return void html(res, 403, STALE_FORM);
    const status = await deps.links.status(link);
    if (status === 'unavailable') return void html(res, 404, UNAVAILABLE);
    // A finished link answers with its result, whatever was posted: it never pays twice.
    if (status === 'finished' || body.check !== undefined) return void html(res, 200, page(deps, link, await deps.links.stateOf(link)));
    const entry = entryOf(body);
    const state = await deps.links.submit(link, entry);
    if (!state) return void html(res, 404, UNAVAILABLE);
    const now = await deps.links.reload(link);
    html(res, 200, page(deps, now, state, deps.links.unreachedFieldNotices(now, entry, state)));
  });

  router.use(pageErrors(deps.logger));
  return router;
}

function page(deps: PayRouterDeps, link: OpenLink, state: StoredState | null, unreached: Notice[] = []): string {
  return renderPayPage(
    payPageModel({
      payment: link.payment,
      flow: link.flow,
      state,
      meaning: state ? deps.links.meaningOf(link, state) : null,
      merchantName: deps.merchantName,
      action: `/pay/${link.token}`,
      csrf: deps.secrets.csrfToken(link.tokenHash),
      receipt: deps.links.sendsReceipt(link),
      unreached,
    }),
  );
}

/** Only single string values are card fields; repeated or missing ones count as empty. */
function entryOf(body: Record<string, unknown>): CardEntry {
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  return { cardNumber: text(body.cardNumber), expiry: text(body.expiry), securityCode: text(body.securityCode), postalCode: text(body.postalCode) };
}

function html(res: Response, status: number, body: string): void {
  res.status(status).type('html').send(body);
}

/** Errors get a plain page; the log names the error, never the URL (it holds the token) or the body. */
function pageErrors(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req: Request, res: Response, _next) => {
    const e = error as { type?: string; status?: number; message?: string };
    if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) return void html(res, e.status, STALE_FORM);
    logger.error('pay page error', { method: req.method, error: e?.message ?? 'unknown' });
    html(res, 500, PROBLEM);
  };
}
