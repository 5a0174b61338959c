import type { Router } from 'express';
import type { SharedServices } from '../core/sharedServices';
import { embedRouter } from './embedRouter';
import { StatusReader } from './statusReader';
import { statusTokenRouter } from './statusTokenRouter';
import { StatusTokens } from './statusTokens';

/** How often an open status stream reads its payment: about as often as a caller can press a key that matters. */
const STREAM_POLL_MS = 1000;

export interface EmbedParts {
  /** `POST /api/payments/:id/status-tokens`, to mount at `/api`. */
  api: Router;
  /** The element's script and the token-guarded status, to mount at `/embed`. */
  page: Router;
  /** Ends the open status streams (shutdown: they never end by themselves). */
  closeStreams(): void;
}

/** The embeddable status view, wired from the shared services; it builds no adapter. */
export function composeEmbed(
  shared: Pick<SharedServices, 'store' | 'payments' | 'sessions' | 'callFlows' | 'clock' | 'logger'>,
  options: { apiKey: string; pollMs?: number },
): EmbedParts {
  const tokens = new StatusTokens(shared.store, shared.clock);
  const reader = new StatusReader(shared);
  const page = embedRouter({ tokens, reader, clock: shared.clock, logger: shared.logger, pollMs: options.pollMs ?? STREAM_POLL_MS });
  return {
    api: statusTokenRouter({ apiKey: options.apiKey, payments: shared.payments, tokens }),
    page: page.router,
    closeStreams: page.closeStreams,
  };
}
