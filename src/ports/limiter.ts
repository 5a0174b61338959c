/** How many requests one subject may make in a window. */
export interface RateLimit {
  points: number;
  windowSeconds: number;
}

/** The answer to one request: allowed (with what is left), over the limit, or the count could not be kept. */
export type LimitAnswer =
  | { outcome: 'allowed'; remaining: number }
  | { outcome: 'limited'; retryAfterSeconds: number }
  | { outcome: 'unavailable' };

/**
 * A request counter per subject, shared by every gateway process when the store is Redis. Counting
 * and checking are one step in the store, so concurrent requests can never all slip under the limit.
 */
export interface Limiter {
  /** Counts one request for `subject`. Never throws: a store that cannot be reached answers `unavailable`. */
  consume(subject: string): Promise<LimitAnswer>;
  /** Refuses `subject` for `seconds` from now, whatever it has used. */
  block(subject: string, seconds: number): Promise<void>;
  /** Forgets what `subject` has used. */
  reset(subject: string): Promise<void>;
}

/** Builds named limiters on the store the gateway runs on; names keep their counts apart. */
export type LimiterFactory = (name: string, limit: RateLimit) => Limiter;
