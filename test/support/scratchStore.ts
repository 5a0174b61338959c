/** A store of either kind for tests of code that sits on the store, without a gateway around it. */
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { MemoryStore } from '../../src/adapters/store/memoryStore';
import { RedisStore } from '../../src/adapters/store/redisStore';
import type { KeyValueStore } from '../../src/ports/keyValueStore';
import { REDIS_URL, type StoreKind } from './harness';

export interface ScratchStore {
  store: KeyValueStore;
  /** Deletes every key it wrote (Redis) and closes it. */
  close(): Promise<void>;
}

/**
 * On Redis, under a fresh key prefix so parallel suites never meet, with ioredis's patient defaults: a
 * busy machine slows the tests down rather than failing their commands.
 */
export async function openScratchStore(kind: StoreKind): Promise<ScratchStore> {
  if (kind === 'memory') {
    const store = new MemoryStore();
    return { store, close: () => store.close() };
  }
  const prefix = `test:${randomBytes(6).toString('hex')}:`;
  const redis = new Redis(REDIS_URL);
  await redis.ping();
  const store = new RedisStore(redis, prefix);
  return {
    store,
    async close() {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await store.close();
    },
  };
}

/**
 * Opens a scratch store before each test of the calling block (`'all'`: once, before all of them) and
 * closes it after; `use` receives each store, before the block's own hooks run.
 */
export function useScratchStore(kind: StoreKind, scope: 'each' | 'all', use: (store: KeyValueStore) => void): void {
  let scratch: ScratchStore | undefined;
  (scope === 'each' ? beforeEach : beforeAll)(async () => {
    scratch = await openScratchStore(kind);
    use(scratch.store);
  });
  (scope === 'each' ? afterEach : afterAll)(async () => {
    await scratch?.close();
  });
}
