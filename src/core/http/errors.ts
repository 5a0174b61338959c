import type { ErrorRequestHandler } from 'express';
import type { Logger } from '../../observability/logger';

/** The one error type routes throw: a stable code for machines, a message for people, an HTTP status. */
export class GatewayError extends Error {
  readonly status: number;
  constructor(
    readonly code: string,
    message: string,
    options: { status?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.status = options.status ?? 400;
  }
}

/** Turns any error into `{ error: { code, message } }`; unexpected ones are logged and say nothing inside. */
export function jsonErrorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    if (error instanceof GatewayError) {
      res.status(error.status).json({ error: { code: error.code, message: error.message } });
      return;
    }
    const e = error as { type?: string; status?: number };
    if (e?.type === 'entity.parse.failed') {
      res.status(400).json({ error: { code: 'invalid_json', message: 'The request body is not valid JSON.' } });
      return;
    }
    if (e?.type === 'entity.too.large') {
      res.status(413).json({ error: { code: 'body_too_large', message: 'The request body is too large.' } });
      return;
    }
    if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
      res.status(e.status).json({ error: { code: 'bad_request', message: 'The request could not be read.' } });
      return;
    }
    logger.error('unexpected error', { method: req.method, path: req.path, error });
    res.status(500).json({ error: { code: 'internal', message: 'Something went wrong on our side.' } });
  };
}
