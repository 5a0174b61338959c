import { MemoryStore } from '../../src/adapters/store/memoryStore';
import { startTestGateway, type StoreKind, type TestGateway } from './harness';

type StartOptions = NonNullable<Parameters<typeof startTestGateway>[1]>;

/** The one public address both processes answer for, as behind a load balancer: each checks the same signatures. */
const FLEET_BASE_URL = 'http://pay.fleet.example';

export interface GatewayPair {
  a: TestGateway;
  b: TestGateway;
  /** Ends both processes, then the store they share. */
  close(): Promise<void>;
}

/**
 * Two gateway processes on one store, as a load balancer spreads a fleet: one in-memory store shared
 * by both, or one Redis key prefix. `env` goes to both (after the shared public address); `first`
 * (a processor, say) to the first only.
 */
export async function startGatewayPair(kind: StoreKind, options: { env?: Record<string, string>; first?: Omit<StartOptions, 'env' | 'store' | 'prefix'> } = {}): Promise<GatewayPair> {
  const store = kind === 'memory' ? new MemoryStore() : undefined;
  const env = { PUBLIC_BASE_URL: FLEET_BASE_URL, ...options.env };
  const a = await startTestGateway(kind, { env, ...options.first, ...(store ? { store } : {}) });
  const b = await startTestGateway(kind, { env, prefix: a.prefix, ...(store ? { store } : {}) });
  return {
    a,
    b,
    async close() {
      // The second only stops: the first's close clears the keys both wrote.
      await b.gateway.close();
      await a.close();
      await store?.close();
    },
  };
}
