import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Limiter, LimiterFactory } from '../../ports/limiter';
import type { RedisClient } from './redisClient';

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
