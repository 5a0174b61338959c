import type { RequestHandler } from 'express';
import type { Logger } from '../../observability/logger';

/**
 * Refuses a webhook in which a parameter comes more than once. Twilio sends each parameter once,
 * and its signature is computed over the distinct values of a parameter: `Digits=1&Digits=1`
 * verifies with the signature captured for `Digits=1`. A repeated `Digits` or `CallSid` is
 * therefore never Twilio's, and reading one of its values would let a replay through. Runs before
 * the signature check so such a request moves nothing; parameters we do not know stay allowed,
 * since Twilio adds new ones without notice.
 */
export function refuseRepeatedParameters(logger?: Logger): RequestHandler {
  return (req, res, next) => {
    const repeated = [...namesWithManyValues(req.body), ...namesWithManyValues(req.query)];
    if (repeated.length === 0) return next();
    // Names only: a value may be keypad input.
    logger?.warn('voice webhook refused: a parameter came more than once', { path: req.path, parameters: repeated.slice(0, 5) });
    res.status(400).type('text/plain').send('Bad Request: each parameter may appear once');
  };
}

/** Parsers turn a repeated name into an array; anything but a string is more than one value. */
function namesWithManyValues(params: unknown): string[] {
  if (params === null || typeof params !== 'object') return [];
  return Object.entries(params as Record<string, unknown>)
    .filter(([, value]) => typeof value !== 'string')
    .map(([name]) => name.slice(0, 40));
}
