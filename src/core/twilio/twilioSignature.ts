import type { RequestHandler } from 'express';
import twilio from 'twilio';

/**
 * Whether `signature` is Twilio's over `url` and `params` (twilio-node's check: constant time, the URL
 * tried with and without its port). The token is passed explicitly because twilio's own `webhook()`
 * would silently fall back to an environment variable.
 */
export function isTwilioSignature(authToken: string, signature: string | undefined, url: string, params: Record<string, unknown>): boolean {
  return !!signature && twilio.validateRequest(authToken, signature, url, params);
}

/**
 * Checks `X-Twilio-Signature` against the public URL Twilio called, not the one Express saw: behind a
 * TLS-terminating proxy the two differ in scheme and port.
 */
export function requireTwilioSignature(authToken: string | null, publicBaseUrl: string): RequestHandler {
  return (req, res, next) => {
    if (authToken === null) return next();
    const url = publicBaseUrl + req.originalUrl;
    const params = (req.body ?? {}) as Record<string, unknown>;
    if (!isTwilioSignature(authToken, req.get('x-twilio-signature'), url, params)) {
      res.status(403).type('text/plain').send('Forbidden: missing or invalid Twilio signature');
      return;
    }
    next();
  };
}
