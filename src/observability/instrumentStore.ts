import type { CasWrite, KeyValueStore } from '../ports/keyValueStore';
import type { GatewayMetrics } from './metrics';

/** Wraps a store so every rejected operation is counted; results and errors pass through unchanged. */
export function instrumentStore(store: KeyValueStore, metrics: GatewayMetrics): KeyValueStore {
  const counted =
    <A extends unknown[], R>(operation: string, run: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await run(...args);
      } catch (error) {
        metrics.storeError(operation);
        throw error;
      }
    };
  return {
    get: counted('get', (key: string) => store.get(key)),
    compareAndSet: counted('compareAndSet', (key: string, expected: number, value: string, ttl: number) =>
      store.compareAndSet(key, expected, value, ttl),
    ),
    compareAndSetPair: counted('compareAndSetPair', (first: CasWrite, second: CasWrite | { key: string }) => store.compareAndSetPair(first, second)),
    set: counted('set', (key: string, value: string, ttl: number) => store.set(key, value, ttl)),
    take: counted('take', (key: string) => store.take(key)),
    append: counted('append', (key: string, value: string, retention: number) => store.append(key, value, retention)),
    readLog: counted('readLog', (key: string, options?: { after?: string; count?: number }) => store.readLog(key, options)),
    mapEntries: counted('mapEntries', (key: string) => store.mapEntries(key)),
    mapField: counted('mapField', (key: string, field: string) => store.mapField(key, field)),
    mapCompareAndSet: counted('mapCompareAndSet', (key: string, field: string, expected: string | null, value: string | null, ttl: number) =>
      store.mapCompareAndSet(key, field, expected, value, ttl),
    ),
    mapDelete: counted('mapDelete', (key: string, field: string) => store.mapDelete(key, field)),
    indexAdd: counted('indexAdd', (key: string, member: string, ttl: number, trimBelow?: string) => store.indexAdd(key, member, ttl, trimBelow)),
    indexRange: counted('indexRange', (key: string, options: { below?: string; from?: string; count: number }) => store.indexRange(key, options)),
    indexRemove: counted('indexRemove', (key: string, members: string[]) => store.indexRemove(key, members)),
    delete: counted('delete', (...keys: string[]) => store.delete(...keys)),
    ping: counted('ping', () => store.ping()),
    close: () => store.close(),
  };
}
