import { FixedWindowLimiter } from '../../../src/links/fixedWindowLimiter';
import { MemoryStore } from '../../../src/store/memoryStore';

describe('the fixed-window limiter', () => {
  it('allows the limit in a window, refuses past it, and starts again in the next window', async () => {
    let t = Date.parse('2030-01-01T00:00:00.000Z');
    const store = new MemoryStore();
    const limiter = new FixedWindowLimiter(store, { now: () => new Date(t) }, 60);
    const answers: boolean[] = [];
    for (let i = 0; i < 4; i += 1) answers.push(await limiter.allow('a', 3));
    expect(answers).toEqual([true, true, true, false]);
    expect(await limiter.allow('b', 3)).toBe(true);
    t += 60_000;
    expect(await limiter.allow('a', 3)).toBe(true);
    await store.close();
  });

  it('counts parallel requests exactly', async () => {
    const store = new MemoryStore();
    const limiter = new FixedWindowLimiter(store, { now: () => new Date('2030-01-01T00:00:00.000Z') }, 60);
    const answers = await Promise.all(Array.from({ length: 10 }, () => limiter.allow('a', 5)));
    expect(answers.filter(Boolean)).toHaveLength(5);
    await store.close();
  });
});
