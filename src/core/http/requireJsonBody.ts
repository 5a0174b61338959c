import type { RequestHandler } from 'express';
import { GatewayError } from './errors';

/**
 * Refuses, with 415, a request that carries a body in anything but JSON. The JSON parser skips
 * other types and leaves no body, which a route could read as "no fields given": a refund sent
 * as text/plain would then refund the whole payment instead of the amount it named.
 */
export function requireJsonBody(): RequestHandler {
  return (req, _res, next) => {
    const length = Number(req.get('content-length') ?? 0);
    // An empty POST (Content-Length: 0, as fetch sends one) carries nothing to misread.
    const hasBody = req.get('transfer-encoding') !== undefined || (Number.isFinite(length) && length > 0) || Number.isNaN(length);
    if (hasBody && !req.is('application/json')) {
      next(new GatewayError('unsupported_media_type', 'The request body must be JSON, sent with Content-Type: application/json.', { status: 415 }));
      return;
    }
    next();
  };
}
