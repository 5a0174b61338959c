import Redis, { Cluster, type RedisOptions } from 'ioredis';
import { describeRedisTopology, type RedisTopology } from '../../config/redisTopology';
import { connectRedis, redactRedisUrl } from './redisStore';

/** Either kind of client the store runs on: one server (plain or behind Sentinel) or a cluster. */
export type RedisClient = Redis | Cluster;

export interface ConnectTopologyOptions {
  /** How long to wait for the first 'ready'; default 5000 ms. */
  connectTimeoutMs?: number;
}

const MAX_RECONNECT_DELAY_MS = 1000;

/**
 * The same fail-fast behaviour as `connectRedis` for every topology: no offline queue, one retry,
 * a command timeout, capped reconnect delays. A failover then costs the callers on the line at that
 * moment an apology, never a webhook that hangs past Twilio's 15 s.
 */
const FAIL_FAST = {
  maxRetriesPerRequest: 1,
  commandTimeout: 2000,
  connectTimeout: 3000,
  disconnectTimeout: 500,
} as const;

const reconnectDelay = (times: number) => Math.min(times * 100, MAX_RECONNECT_DELAY_MS);

/** Credentials, database and TLS from the optional REDIS_URL of a sentinel or cluster topology. */
export function fromUrl(url: string | null): Pick<RedisOptions, 'username' | 'password' | 'db' | 'tls'> {
  if (!url) return {};
  const parsed = new URL(url);
  const db = Number(parsed.pathname.replace(/^\//, '') || '0');
  return {
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(db > 0 ? { db } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/**
 * Builds the client for a topology without connecting it (lazyConnect); exposed for tests.
 * `keepTrying` returning false ends ioredis' sentinel loop, which disconnect() alone does not stop.
 */
export function createRedisClient(topology: Exclude<RedisTopology, { mode: 'single' }>, keepTrying: () => boolean = () => true): RedisClient {
  const auth = fromUrl(topology.url);
  if (topology.mode === 'sentinel') {
    return new Redis({
      ...FAIL_FAST,
      ...auth,
      // Copies: the configuration is frozen, and ioredis keeps its own list up to date.
      sentinels: topology.sentinels.map((a) => ({ ...a })),
      name: topology.name,
      enableOfflineQueue: false,
      lazyConnect: true,
      enableAutoPipelining: true,
      retryStrategy: reconnectDelay,
      sentinelRetryStrategy: (times: number) => (keepTrying() ? Math.min(times * 100, 500) : null),
      // Ask every sentinel for the current primary after a failover, not only the first one known.
      updateSentinels: true,
    });
  }
  return new Cluster(topology.nodes.map((a) => ({ ...a })), {
    enableOfflineQueue: false,
    lazyConnect: true,
    enableAutoPipelining: true,
    clusterRetryStrategy: reconnectDelay,
    // A slot moving during resharding or failover is followed a few times, not forever.
    maxRedirections: 6,
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    slotsRefreshTimeout: 2000,
    redisOptions: { ...FAIL_FAST, ...auth },
  });
}

/** Connects to the topology's Redis and resolves once it is ready, or rejects within the timeout. */
export async function connectRedisTopology(topology: RedisTopology, opts: ConnectTopologyOptions = {}): Promise<RedisClient> {
  if (topology.mode === 'single') return connectRedis(topology.url, opts);
  const timeoutMs = opts.connectTimeoutMs ?? 5000;
  let gaveUp = false;
  const client = createRedisClient(topology, () => !gaveUp);
  let lastError: Error | undefined;
  // Failures surface as rejected commands and failed pings; the listener only keeps the last one.
  client.on('error', (err: Error) => {
    lastError = err;
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      gaveUp = true;
      client.disconnect();
      const cause = lastError ? ` (last error: ${lastError.message})` : '';
      const where = `${describeRedisTopology(topology)}${topology.url ? ` with ${redactRedisUrl(topology.url)}` : ''}`;
      reject(new Error(`Redis (${where}) was not ready within ${timeoutMs} ms${cause}`));
    }, timeoutMs);
    const onReady = (): void => {
      clearTimeout(timer);
      resolve();
    };
    client.once('ready', onReady);
    client.connect().catch((err: Error) => {
      lastError = err;
    });
  });
  return client;
}
