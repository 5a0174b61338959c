import { z } from 'zod';
import { EVEN_WITH_MALFORMED_VALUES, isProduction, optional, optionalText, problem, readOnly } from './fields';

/** Where the shared store lives: one Redis server, a Sentinel-managed primary, or a Redis Cluster. */
export type RedisTopology =
  | { readonly mode: 'single'; readonly url: string }
  | { readonly mode: 'sentinel'; readonly sentinels: readonly HostPort[]; readonly name: string; readonly url: string | null }
  | { readonly mode: 'cluster'; readonly nodes: readonly HostPort[]; readonly url: string | null };

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** The shared store's settings. */
export interface RedisSettings {
  /** Prefix of every Redis key. */
  readonly keyPrefix: string;
  /** The servers (REDIS_MODE); null for the embedded memory store. */
  readonly topology: RedisTopology | null;
}

export const REDIS_MODES = ['single', 'sentinel', 'cluster'] as const;
export type RedisMode = (typeof REDIS_MODES)[number];

/** Parses "host:port,host:port"; returns the addresses, or the first entry that is not one. */
function parseAddresses(list: string): { ok: true; addresses: HostPort[] } | { ok: false; bad: string } {
  const addresses: HostPort[] = [];
  for (const raw of list.split(',')) {
    const entry = raw.trim();
    // An IPv6 host is written in brackets, as in a URL: [::1]:26379.
    const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(entry);
    const port = m ? Number(m[2]) : 0;
    if (!m || port < 1 || port > 65535) return { ok: false, bad: entry };
    addresses.push(Object.freeze({ host: m[1]!.replace(/^\[|\]$/g, ''), port }));
  }
  return { ok: true, addresses };
}

const addressesOf = (list: string | undefined): readonly HostPort[] => {
  const parsed = parseAddresses(list ?? '');
  return Object.freeze(parsed.ok ? parsed.addresses : []);
};

interface ServerVariables {
  readonly REDIS_URL?: string | undefined;
  readonly REDIS_SENTINELS?: string | undefined;
  readonly REDIS_SENTINEL_NAME?: string | undefined;
  readonly REDIS_CLUSTER_NODES?: string | undefined;
}

/** What the mode asks of the server lists, and refuses of the lists it does not use. */
function serverProblems(v: ServerVariables, mode: RedisMode, ctx: z.core.$RefinementCtx<unknown>): void {
  const addresses = (variable: string, value: string | undefined) => {
    if (value === undefined) return problem(ctx, variable, `required when REDIS_MODE=${mode}`);
    const parsed = parseAddresses(value);
    if (!parsed.ok) problem(ctx, variable, `"${parsed.bad.slice(0, 80)}" is not host:port (comma-separated list)`);
  };
  if (mode === 'sentinel') {
    addresses('REDIS_SENTINELS', v.REDIS_SENTINELS);
    const name = v.REDIS_SENTINEL_NAME;
    if (name === undefined) problem(ctx, 'REDIS_SENTINEL_NAME', 'required when REDIS_MODE=sentinel (the master name the sentinels monitor)');
    else if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) problem(ctx, 'REDIS_SENTINEL_NAME', 'letters, digits, dot, dash or underscore, at most 64');
  } else if (v.REDIS_SENTINELS !== undefined || v.REDIS_SENTINEL_NAME !== undefined) {
    problem(ctx, v.REDIS_SENTINELS !== undefined ? 'REDIS_SENTINELS' : 'REDIS_SENTINEL_NAME', 'only used when REDIS_MODE=sentinel');
  }
  if (mode === 'cluster') {
    addresses('REDIS_CLUSTER_NODES', v.REDIS_CLUSTER_NODES);
    if (v.REDIS_URL && /^rediss?:\/\/[^/]*\/[1-9]/.test(v.REDIS_URL)) problem(ctx, 'REDIS_URL', 'a Redis Cluster has only database 0');
  } else if (v.REDIS_CLUSTER_NODES !== undefined) {
    problem(ctx, 'REDIS_CLUSTER_NODES', 'only used when REDIS_MODE=cluster');
  }
}

/**
 * REDIS_URL, REDIS_KEY_PREFIX, REDIS_MODE and the servers each mode needs. With sentinels or a
 * cluster, REDIS_URL is optional and only carries the data nodes' credentials, database and TLS
 * (rediss://); production needs it only for a single server.
 */
export const redisSchema = z
  .object({
    REDIS_URL: optional(z.string().regex(/^rediss?:\/\/.+/, 'must be a redis:// or rediss:// URL')),
    REDIS_KEY_PREFIX: z.string().default('ccg:'),
    REDIS_MODE: optional(z.enum(REDIS_MODES, { message: `must be one of: ${REDIS_MODES.join(', ')}` })),
    // The lists are checked against the mode: a list the mode does not use is refused as such.
    REDIS_SENTINELS: optionalText,
    REDIS_SENTINEL_NAME: optionalText,
    REDIS_CLUSTER_NODES: optionalText,
    NODE_ENV: readOnly,
  })
  .superRefine((v, ctx) => {
    const mode = v.REDIS_MODE ?? 'single';
    // An unknown mode is its own line: what the lists should be depends on the mode meant.
    if ((REDIS_MODES as readonly string[]).includes(mode)) serverProblems(v, mode, ctx);
    // The other modes name their servers instead.
    if (isProduction(v.NODE_ENV) && mode !== 'sentinel' && mode !== 'cluster' && v.REDIS_URL === undefined) {
      problem(ctx, 'REDIS_URL', 'required when NODE_ENV=production');
    }
  }, EVEN_WITH_MALFORMED_VALUES)
  .transform((v): RedisSettings => {
    const url = v.REDIS_URL ?? null;
    const topology: RedisTopology | null =
      v.REDIS_MODE === 'sentinel'
        ? { mode: 'sentinel', sentinels: addressesOf(v.REDIS_SENTINELS), name: v.REDIS_SENTINEL_NAME ?? '', url }
        : v.REDIS_MODE === 'cluster'
          ? { mode: 'cluster', nodes: addressesOf(v.REDIS_CLUSTER_NODES), url }
          : url
            ? { mode: 'single', url }
            : null;
    return Object.freeze({ keyPrefix: v.REDIS_KEY_PREFIX, topology: topology && Object.freeze(topology) });
  });

/** A description fit for logs: addresses and mode, never credentials. */
export function describeRedisTopology(topology: RedisTopology): string {
  if (topology.mode === 'single') return 'single';
  const list = (topology.mode === 'sentinel' ? topology.sentinels : topology.nodes).map((a) => `${a.host}:${a.port}`).join(',');
  return topology.mode === 'sentinel' ? `sentinel ${topology.name} via ${list}` : `cluster via ${list}`;
}
