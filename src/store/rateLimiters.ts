import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RedisClient } from './redisClient';

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

/**
 * The one place limiters are built: on Redis (any topology; each count is one key, so a cluster takes
 * it) under the gateway's key prefix, or in this process's memory with the embedded store.
 */
export function createLimiterFactory(redis: RedisClient | null, keyPrefix: string): LimiterFactory {
  return (name, limit) => {
    const options = { keyPrefix: `${keyPrefix}limit:${name}`, points: limit.points, duration: limit.windowSeconds };
    // Without an insurance limiter a store failure rejects with the error itself: the caller fails closed.
    const limiter = redis ? new RateLimiterRedis({ ...options, storeClient: redis, rejectIfRedisNotReady: true }) : new RateLimiterMemory(options);
    return wrap(limiter);
  };
}

function wrap(limiter: RateLimiterAbstract): Limiter {
  return {
    async consume(subject) {
      try {
        const res = await limiter.consume(subject);
        return { outcome: 'allowed', remaining: res.remainingPoints };
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) return { outcome: 'limited', retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)) };
        return { outcome: 'unavailable' };
      }
    },
    async block(subject, seconds) {
      await limiter.block(subject, seconds);
    },
    async reset(subject) {
      await limiter.delete(subject);
    },
  };
}
