import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { GatewayError } from './errors';

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Bearer-key check in constant time (comparing digests, so lengths leak nothing either). */
export function requireApiKey(apiKey: string): RequestHandler {
  const expected = digest(apiKey);
  return (req, _res, next) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match || !timingSafeEqual(digest(match[1]!), expected)) {
      next(new GatewayError('unauthorized', 'A valid API key is required: Authorization: Bearer <API_KEY>.', { status: 401 }));
      return;
    }
    next();
  };
}
