import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { createLimiterFactory } from '../../../src/adapters/store/rateLimiters';
import { REDIS_URL, STORE_KINDS } from '../../support/harness';

describe.each(STORE_KINDS)('the limiters (%s store)', (kind) => {
  const prefix = `test:${randomBytes(6).toString('hex')}:`;
  let redis: Redis | null = null;
  beforeAll(async () => {
    if (kind !== 'redis') return;
    redis = new Redis(REDIS_URL);
    await redis.ping();
  });
  afterAll(async () => {
    if (!redis) return;
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('allows the limit, refuses past it, and counts subjects and names apart', async () => {
    const limiters = createLimiterFactory(redis, prefix);
    const a = limiters('a', { points: 3, windowSeconds: 60 });
    const outcomes: string[] = [];
    for (let i = 0; i < 4; i += 1) outcomes.push((await a.consume('x')).outcome);
    expect(outcomes).toEqual(['allowed', 'allowed', 'allowed', 'limited']);
    expect((await a.consume('y')).outcome).toBe('allowed');
    expect((await limiters('b', { points: 3, windowSeconds: 60 }).consume('x')).outcome).toBe('allowed');
    await a.reset('x');
    expect(await a.consume('x')).toEqual({ outcome: 'allowed', remaining: 2 });
  });

  it('counts parallel requests exactly', async () => {
    const limiter = createLimiterFactory(redis, prefix)('parallel', { points: 5, windowSeconds: 60 });
    const answers = await Promise.all(Array.from({ length: 50 }, () => limiter.consume('x')));
    expect(answers.filter((a) => a.outcome === 'allowed')).toHaveLength(5);
  });

  it('blocks a subject for the time asked', async () => {
    const limiter = createLimiterFactory(redis, prefix)('blocked', { points: 5, windowSeconds: 60 });
    await limiter.block('x', 1800);
    const answer = await limiter.consume('x');
    expect(answer.outcome).toBe('limited');
    expect(answer.outcome === 'limited' && answer.retryAfterSeconds).toBeGreaterThan(1700);
  });

  if (kind === 'redis') {
    it('keeps its keys under the prefix', async () => {
      await createLimiterFactory(redis, prefix)('named', { points: 5, windowSeconds: 60 }).consume('x');
      expect(await redis!.keys(`${prefix}limit:named:*`)).toEqual([`${prefix}limit:named:x`]);
    });
  }
});
