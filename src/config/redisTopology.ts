/** Where the shared store lives: one Redis server, a Sentinel-managed primary, or a Redis Cluster. */
export type RedisTopology =
  | { mode: 'single'; url: string }
  | { mode: 'sentinel'; sentinels: HostPort[]; name: string; url: string | null }
  | { mode: 'cluster'; nodes: HostPort[]; url: string | null };

export interface HostPort {
  host: string;
  port: number;
}

export const REDIS_MODES = ['single', 'sentinel', 'cluster'] as const;
export type RedisMode = (typeof REDIS_MODES)[number];

const text = (env: NodeJS.ProcessEnv, name: string): string | undefined => {
  const value = env[name]?.trim();
  return value ? value : undefined;
};

/** The mode named by REDIS_MODE (single when unset), or null when it names none. */
function modeOf(env: NodeJS.ProcessEnv): RedisMode | null {
  const mode = text(env, 'REDIS_MODE') ?? 'single';
  return (REDIS_MODES as readonly string[]).includes(mode) ? (mode as RedisMode) : null;
}

/** Parses "host:port,host:port"; returns the addresses, or the first entry that is not one. */
function parseAddresses(list: string): { ok: true; addresses: HostPort[] } | { ok: false; bad: string } {
  const addresses: HostPort[] = [];
  for (const raw of list.split(',')) {
    const entry = raw.trim();
    // An IPv6 host is written in brackets, as in a URL: [::1]:26379.
    const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(entry);
    const port = m ? Number(m[2]) : 0;
    if (!m || port < 1 || port > 65535) return { ok: false, bad: entry };
    addresses.push({ host: m[1]!.replace(/^\[|\]$/g, ''), port });
  }
  return { ok: true, addresses };
}

/**
 * Every problem with the Redis topology variables, one line each. REDIS_URL's own shape is checked
 * with the other variables; this checks what depends on REDIS_MODE.
 */
export function redisTopologyProblems(env: NodeJS.ProcessEnv): string[] {
  const mode = modeOf(env);
  if (mode === null) return [`REDIS_MODE: must be one of: ${REDIS_MODES.join(', ')}`];
  const problems: string[] = [];
  const sentinels = text(env, 'REDIS_SENTINELS');
  const name = text(env, 'REDIS_SENTINEL_NAME');
  const nodes = text(env, 'REDIS_CLUSTER_NODES');
  const addressProblem = (variable: string, value: string | undefined) => {
    if (value === undefined) return problems.push(`${variable}: required when REDIS_MODE=${mode}`);
    const parsed = parseAddresses(value);
    if (!parsed.ok) problems.push(`${variable}: "${parsed.bad.slice(0, 80)}" is not host:port (comma-separated list)`);
    return undefined;
  };
  if (mode === 'sentinel') {
    addressProblem('REDIS_SENTINELS', sentinels);
    if (name === undefined) problems.push('REDIS_SENTINEL_NAME: required when REDIS_MODE=sentinel (the master name the sentinels monitor)');
    else if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) problems.push('REDIS_SENTINEL_NAME: letters, digits, dot, dash or underscore, at most 64');
  } else if (sentinels !== undefined || name !== undefined) {
    problems.push(`${sentinels !== undefined ? 'REDIS_SENTINELS' : 'REDIS_SENTINEL_NAME'}: only used when REDIS_MODE=sentinel`);
  }
  if (mode === 'cluster') {
    addressProblem('REDIS_CLUSTER_NODES', nodes);
    const url = text(env, 'REDIS_URL');
    if (url && /^rediss?:\/\/[^/]*\/[1-9]/.test(url)) problems.push('REDIS_URL: a Redis Cluster has only database 0');
  } else if (nodes !== undefined) {
    problems.push('REDIS_CLUSTER_NODES: only used when REDIS_MODE=cluster');
  }
  return problems;
}

/**
 * The topology, or null for the embedded memory store (single mode without REDIS_URL). Call after
 * redisTopologyProblems found nothing. With sentinels or a cluster, REDIS_URL is optional and only
 * carries the data nodes' credentials, database and TLS (rediss://).
 */
export function redisTopology(env: NodeJS.ProcessEnv): RedisTopology | null {
  const mode = modeOf(env) ?? 'single';
  const url = text(env, 'REDIS_URL') ?? null;
  if (mode === 'sentinel') {
    const parsed = parseAddresses(text(env, 'REDIS_SENTINELS') ?? '');
    return { mode, sentinels: parsed.ok ? parsed.addresses : [], name: text(env, 'REDIS_SENTINEL_NAME') ?? '', url };
  }
  if (mode === 'cluster') {
    const parsed = parseAddresses(text(env, 'REDIS_CLUSTER_NODES') ?? '');
    return { mode, nodes: parsed.ok ? parsed.addresses : [], url };
  }
  return url ? { mode, url } : null;
}

/** REDIS_URL is what production needs in single mode; the other modes name their servers instead. */
export function redisUrlRequired(env: NodeJS.ProcessEnv): boolean {
  return (modeOf(env) ?? 'single') === 'single';
}

/** A description fit for logs: addresses and mode, never credentials. */
export function describeRedisTopology(topology: RedisTopology): string {
  if (topology.mode === 'single') return 'single';
  const list = (topology.mode === 'sentinel' ? topology.sentinels : topology.nodes).map((a) => `${a.host}:${a.port}`).join(',');
  return topology.mode === 'sentinel' ? `sentinel ${topology.name} via ${list}` : `cluster via ${list}`;
}
