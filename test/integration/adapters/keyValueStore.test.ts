import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type Redis from 'ioredis';
import type { KeyValueStore } from '../../../src/ports/keyValueStore';
import { MemoryStore } from '../../../src/adapters/store/memoryStore';
import { RedisStore, connectRedis } from '../../../src/adapters/store/redisStore';
import { eventually } from '../../support/eventually';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

interface Harness {
  store: KeyValueStore;
  /** Lets `ms` pass as far as the store's TTLs are concerned. */
  elapse(ms: number): Promise<void>;
  /** Remaining TTL of the raw key as the backend reports it. */
  rawPttl?(key: string): Promise<number>;
  teardown(): Promise<void>;
}

interface Backend {
  name: string;
  create(): Promise<Harness>;
}

const memoryBackend: Backend = {
  name: 'MemoryStore',
  async create() {
    let now = Date.now();
    const store = new MemoryStore({ now: () => now });
    return {
      store,
      elapse: async (ms) => {
        now += ms;
      },
      teardown: () => store.close(),
    };
  },
};

const redisBackend: Backend = {
  name: 'RedisStore',
  async create() {
    const redis: Redis = await connectRedis(REDIS_URL);
    const prefix = `test:kv:${randomBytes(6).toString('hex')}:`;
    const store = new RedisStore(redis, prefix);
    return {
      store,
      // Redis expires keys on its own clock: real time must pass, so the tests keep their TTLs short.
      elapse: (ms) => sleep(ms),
      rawPttl: (key) => redis.pttl(prefix + key),
      async teardown() {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 200);
          if (keys.length > 0) await redis.del(...keys);
          cursor = next;
        } while (cursor !== '0');
        await store.close();
      },
    };
  },
};

describe.each([memoryBackend, redisBackend])('$name honours the KeyValueStore contract', (backend) => {
  let h: Harness;
  let counter = 0;
  const key = (label: string): string => `${label}:${++counter}`;

  beforeAll(async () => {
    h = await backend.create();
  });

  afterAll(async () => {
    await h?.teardown();
  });

  it('answers ping', async () => {
    await expect(h.store.ping()).resolves.toBeUndefined();
  });

  it('returns null for a key that was never written', async () => {
    expect(await h.store.get(key('missing'))).toBeNull();
  });

  it('numbers versions 1, 2, 3 across set and compareAndSet', async () => {
    const k = key('versions');
    expect(await h.store.set(k, 'one', 60)).toBe(1);
    expect(await h.store.compareAndSet(k, 1, 'two', 60)).toBe(2);
    expect(await h.store.set(k, 'three', 60)).toBe(3);
    expect(await h.store.get(k)).toEqual({ value: 'three', version: 3 });
  });

  it('keeps values byte for byte, including JSON and non-ASCII text', async () => {
    const k = key('verbatim');
    const value = JSON.stringify({ note: 'café ☎', nested: { a: [1, 2] } });
    await h.store.set(k, value, 60);
    expect((await h.store.get(k))?.value).toBe(value);
  });

  it('rejects a compareAndSet at a stale version and leaves the value untouched', async () => {
    const k = key('conflict');
    await h.store.set(k, 'first', 60);
    await h.store.set(k, 'second', 60);
    expect(await h.store.compareAndSet(k, 1, 'stale', 60)).toBeNull();
    expect(await h.store.get(k)).toEqual({ value: 'second', version: 2 });
  });

  it('treats compareAndSet at version 0 as create-only', async () => {
    const k = key('create');
    expect(await h.store.compareAndSet(k, 0, 'created', 60)).toBe(1);
    expect(await h.store.compareAndSet(k, 0, 'again', 60)).toBeNull();
    expect(await h.store.get(k)).toEqual({ value: 'created', version: 1 });
  });

  it('rejects compareAndSet at a non-zero version for a missing key', async () => {
    const k = key('absent');
    expect(await h.store.compareAndSet(k, 1, 'nope', 60)).toBeNull();
    expect(await h.store.get(k)).toBeNull();
  });

  it('hides expired values and lets the key be created again from version 1', async () => {
    const k = key('expiry');
    const survivor = key('survivor');
    await h.store.set(k, 'short-lived', 0.2);
    await h.store.set(survivor, 'long-lived', 60);
    await h.elapse(250);
    expect(await h.store.get(k)).toBeNull();
    expect(await h.store.take(k)).toBeNull();
    expect(await h.store.compareAndSet(k, 1, 'stale', 60)).toBeNull();
    expect(await h.store.compareAndSet(k, 0, 'reborn', 60)).toBe(1);
    expect(await h.store.get(survivor)).toEqual({ value: 'long-lived', version: 1 });
  });

  it('take returns the value once and deletes it', async () => {
    const k = key('take');
    await h.store.set(k, 'token', 60);
    expect(await h.store.take(k)).toBe('token');
    expect(await h.store.take(k)).toBeNull();
    expect(await h.store.get(k)).toBeNull();
  });

  it('gives a single-use value to exactly one of 20 parallel takes', async () => {
    const k = key('race-take');
    await h.store.set(k, 'prize', 60);
    const results = await Promise.all(Array.from({ length: 20 }, () => h.store.take(k)));
    expect(results.filter((r) => r !== null)).toEqual(['prize']);
  });

  it('lets exactly one of 20 parallel compareAndSets from the same version win', async () => {
    const k = key('race-cas');
    await h.store.set(k, 'start', 60);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => h.store.compareAndSet(k, 1, `writer-${i}`, 60)),
    );
    const winners = results.flatMap((version, i) => (version === null ? [] : [{ version, i }]));
    expect(winners).toHaveLength(1);
    expect(winners[0]!.version).toBe(2);
    expect(await h.store.get(k)).toEqual({ value: `writer-${winners[0]!.i}`, version: 2 });
  });

  it('compareAndSetPair writes the second key only when the first was written, and answers what a stale second holds', async () => {
    const first = key('pair-first');
    const second = key('pair-second');
    await h.store.set(first, 'f1', 60);
    await h.store.set(second, 's1', 60);
    const cas = (k: string, expectedVersion: number, value: string) => ({ key: k, expectedVersion, value, ttlSeconds: 60 });
    // Both at their versions: both written, one step.
    expect(await h.store.compareAndSetPair(cas(first, 1, 'f2'), cas(second, 1, 's2'))).toEqual({ first: 2, second: 2, secondFound: null });
    // The first stale: nothing written, not even the second at its right version.
    expect(await h.store.compareAndSetPair(cas(first, 1, 'f-stale'), cas(second, 2, 's-never'))).toEqual({ first: null, second: null, secondFound: null });
    expect(await h.store.get(second)).toEqual({ value: 's2', version: 2 });
    // The second stale: the first is written, the second left as it is and handed back.
    expect(await h.store.compareAndSetPair(cas(first, 2, 'f3'), cas(second, 1, 's-stale'))).toEqual({ first: 3, second: null, secondFound: { value: 's2', version: 2 } });
    expect(await h.store.get(first)).toEqual({ value: 'f3', version: 3 });
    expect(await h.store.get(second)).toEqual({ value: 's2', version: 2 });
    // A second without a value is a read that travels with the write; an absent one reads as null.
    expect(await h.store.compareAndSetPair(cas(first, 3, 'f4'), { key: second })).toEqual({ first: 4, second: null, secondFound: { value: 's2', version: 2 } });
    expect(await h.store.compareAndSetPair(cas(first, 4, 'f5'), { key: key('pair-absent') })).toEqual({ first: 5, second: null, secondFound: null });
    // Version 0 creates the second, as compareAndSet does.
    const created = key('pair-created');
    expect(await h.store.compareAndSetPair(cas(first, 5, 'f6'), cas(created, 0, 'new'))).toEqual({ first: 6, second: 1, secondFound: null });
    expect(await h.store.get(created)).toEqual({ value: 'new', version: 1 });
  });

  it('lets exactly one of 20 parallel compareAndSetPairs from the same version write either key', async () => {
    const first = key('pair-race-first');
    const second = key('pair-race-second');
    await h.store.set(first, 'start', 60);
    await h.store.set(second, 'start', 60);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        h.store.compareAndSetPair({ key: first, expectedVersion: 1, value: `w-${i}`, ttlSeconds: 60 }, { key: second, expectedVersion: 1, value: `w-${i}`, ttlSeconds: 60 }),
      ),
    );
    const winners = results.flatMap((r, i) => (r.first === null ? [] : [{ r, i }]));
    expect(winners).toHaveLength(1);
    expect(winners[0]!.r).toEqual({ first: 2, second: 2, secondFound: null });
    expect(await h.store.get(second)).toEqual({ value: `w-${winners[0]!.i}`, version: 2 });
  });

  it('deletes several keys at once and ignores missing ones', async () => {
    const a = key('del');
    const b = key('del');
    await h.store.set(a, 'a', 60);
    await h.store.set(b, 'b', 60);
    await h.store.delete(a, b, key('never-written'));
    await h.store.delete();
    expect(await h.store.get(a)).toBeNull();
    expect(await h.store.get(b)).toBeNull();
  });

  it('refuses a non-positive TTL rather than storing a value forever', async () => {
    await expect(h.store.set(key('ttl'), 'v', 0)).rejects.toThrow(RangeError);
    await expect(h.store.compareAndSet(key('ttl'), 0, 'v', -1)).rejects.toThrow(RangeError);
  });

  it('keeps an index sorted by its members, trims those below a bound, pages from the greatest and renews its TTL', async () => {
    const k = key('index');
    for (const member of ['003:c', '001:a', '005:e', '002:b']) await h.store.indexAdd(k, member, 60);
    await h.store.indexAdd(k, '003:c', 60);
    expect(await h.store.indexRange(k, { count: 10 })).toEqual(['005:e', '003:c', '002:b', '001:a']);
    expect(await h.store.indexRange(k, { below: '005:e', count: 2 })).toEqual(['003:c', '002:b']);
    expect(await h.store.indexRange(k, { from: '002:b', count: 10 })).toEqual(['005:e', '003:c', '002:b']);
    // An add with a bound drops every member sorting before it, and only those.
    await h.store.indexAdd(k, '004:d', 60, '003:c');
    expect(await h.store.indexRange(k, { count: 10 })).toEqual(['005:e', '004:d', '003:c']);
    await h.store.indexRemove(k, ['004:d', 'absent']);
    expect(await h.store.indexRange(k, { count: 10 })).toEqual(['005:e', '003:c']);
    if (h.rawPttl) {
      await h.store.indexAdd(k, '006:f', 30);
      const pttl = await h.rawPttl(k);
      expect(pttl).toBeGreaterThan(20_000);
      expect(pttl).toBeLessThanOrEqual(30_000);
    }
    await h.store.indexAdd(k, '007:g', 1);
    await h.elapse(1100);
    await eventually(async () => (await h.store.indexRange(k, { count: 10 })).length === 0, 10_000, 'the index to expire with its renewed TTL');
  });

  it('writes, compares and deletes map fields one by one', async () => {
    const k = key('map');
    expect(await h.store.mapEntries(k)).toEqual(new Map());
    expect(await h.store.mapCompareAndSet(k, 'a', null, '{"n":1}', 60)).toBe(true);
    expect(await h.store.mapCompareAndSet(k, 'a', null, 'again', 60)).toBe(false);
    expect(await h.store.mapCompareAndSet(k, 'b', null, 'B', 60)).toBe(true);
    expect(await h.store.mapCompareAndSet(k, 'a', 'stale', 'x', 60)).toBe(false);
    expect(await h.store.mapCompareAndSet(k, 'a', '{"n":1}', '{"n":2}', 60)).toBe(true);
    expect(await h.store.mapField(k, 'a')).toBe('{"n":2}');
    expect(await h.store.mapField(k, 'missing')).toBeNull();
    expect(await h.store.mapEntries(k)).toEqual(new Map([['a', '{"n":2}'], ['b', 'B']]));
    expect(await h.store.mapCompareAndSet(k, 'b', 'other', null, 60)).toBe(false);
    expect(await h.store.mapCompareAndSet(k, 'b', 'B', null, 60)).toBe(true);
    await h.store.mapDelete(k, 'a');
    await h.store.mapDelete(k, 'never-written');
    expect(await h.store.mapEntries(k)).toEqual(new Map());
    // An empty string is a value like any other, not an absent field.
    expect(await h.store.mapCompareAndSet(k, 'e', null, '', 60)).toBe(true);
    expect(await h.store.mapCompareAndSet(k, 'e', null, 'x', 60)).toBe(false);
    expect(await h.store.mapCompareAndSet(k, 'e', '', 'x', 60)).toBe(true);
  });

  it('keeps every field of 200 parallel writers of different fields, and lets one of 20 take the same field', async () => {
    const k = key('map-race');
    const writes = await Promise.all(Array.from({ length: 200 }, (_, i) => h.store.mapCompareAndSet(k, `f${i}`, null, `v${i}`, 60)));
    expect(writes.every(Boolean)).toBe(true);
    const entries = await h.store.mapEntries(k);
    expect(entries.size).toBe(200);
    expect(entries.get('f123')).toBe('v123');

    const takes = await Promise.all(Array.from({ length: 20 }, (_, i) => h.store.mapCompareAndSet(k, 'f0', 'v0', `taker-${i}`, 60)));
    expect(takes.filter(Boolean)).toHaveLength(1);
    expect(await h.store.mapField(k, 'f0')).toBe(`taker-${takes.indexOf(true)}`);

    await Promise.all(Array.from({ length: 200 }, (_, i) => h.store.mapDelete(k, `f${i}`)));
    expect(await h.store.mapEntries(k)).toEqual(new Map());
  });

  it('expires a map with its TTL, renewed by every write', async () => {
    const k = key('map-ttl');
    await h.store.mapCompareAndSet(k, 'a', null, 'A', 1);
    await h.elapse(600);
    await h.store.mapCompareAndSet(k, 'b', null, 'B', 1);
    await h.elapse(600);
    expect(await h.store.mapEntries(k)).toEqual(new Map([['a', 'A'], ['b', 'B']]));
    await h.elapse(1100);
    expect(await h.store.mapEntries(k)).toEqual(new Map());
    expect(await h.store.mapField(k, 'a')).toBeNull();
    await expect(h.store.mapCompareAndSet(k, 'a', null, 'A', 0)).rejects.toThrow(RangeError);
  });

  it('keeps every one of 1000 concurrent appends to a log, and reads them back in order', async () => {
    const log = key('log');
    await Promise.all(Array.from({ length: 1000 }, (_, i) => h.store.append(log, `entry-${i}`, 3600)));
    const read = await h.store.readLog(log);
    expect(read.map((e) => e.value)).toEqual(Array.from({ length: 1000 }, (_, i) => `entry-${i}`));
    expect(new Set(read.map((e) => e.id)).size).toBe(1000);
  });

  it('reads a log in pages after a given entry', async () => {
    const log = key('log');
    for (const value of ['a', 'b', 'c', 'd']) await h.store.append(log, value, 3600);
    const first = await h.store.readLog(log, { count: 2 });
    expect(first.map((e) => e.value)).toEqual(['a', 'b']);
    expect((await h.store.readLog(log, { after: first[1]!.id })).map((e) => e.value)).toEqual(['c', 'd']);
    expect(await h.store.readLog(key('log-missing'))).toEqual([]);
  });

  it('drops log entries older than the retention as new ones arrive', async () => {
    const log = key('log');
    await h.store.append(log, 'old', 0.2);
    await eventually(
      async () => {
        await h.elapse(100);
        await h.store.append(log, 'new', 0.2);
        return !(await h.store.readLog(log)).some((e) => e.value === 'old');
      },
      5000,
      'the old entry to pass its retention',
    );
    expect((await h.store.readLog(log)).at(-1)?.value).toBe('new');
  });

  if (backend === redisBackend) {
    it('puts a TTL on every raw Redis key it writes', async () => {
      const viaSet = key('pttl');
      const viaCas = key('pttl');
      await h.store.set(viaSet, 'v', 30);
      await h.store.compareAndSet(viaCas, 0, 'v', 30);
      const viaAppend = key('pttl');
      await h.store.append(viaAppend, 'v', 30);
      for (const k of [viaSet, viaCas, viaAppend]) {
        const pttl = await h.rawPttl!(k);
        expect(pttl).toBeGreaterThan(0);
        expect(pttl).toBeLessThanOrEqual(30_000);
      }
    });
  }
});
