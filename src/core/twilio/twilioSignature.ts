import type { RequestHandler } from 'express';
import twilio from 'twilio';

/**
 * Checks `X-Twilio-Signature` against the public URL Twilio called, not the one Express saw: behind a
 * TLS-terminating proxy the two differ in scheme and port. The token is passed explicitly because
 * twilio's own `webhook()` would silently fall back to an environment variable.
 */
export function requireTwilioSignature(authToken: string | null, publicBaseUrl: string): RequestHandler {
  return (req, res, next) => {
    if (authToken === null) return next();
    const signature = req.get('x-twilio-signature');
    const url = publicBaseUrl + req.originalUrl;
    const params = (req.body ?? {}) as Record<string, unknown>;
    if (!signature || !twilio.validateRequest(authToken, signature, url, params)) {
      res.status(403).type('text/plain').send('Forbidden: missing or invalid Twilio signature');
      return;
    }
    next();
  };
}
