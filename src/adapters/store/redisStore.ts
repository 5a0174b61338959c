import Redis, { Cluster } from 'ioredis';
import type { CasWrite, KeyValueStore, LogEntry, PairOutcome, Versioned } from '../../ports/keyValueStore';
import { ttlToMs } from './memoryStore';

// Each key is a hash {v: version, d: data}. The scripts keep the version check and the write in
// one server-side step, so any number of gateway processes can share keys without a lock.
// Names are namespaced because defineCommand attaches them to a client that others may share.

// The compare-and-set of KEYS[1] (ARGV: expected version, value, TTL in ms): leaves `next`, the version
// it wrote, or answers false. Both scripts below start with it.
const CAS_STEP = `
local current = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
if current ~= tonumber(ARGV[1]) then return false end
local next = current + 1
redis.call('HSET', KEYS[1], 'v', next, 'd', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
`;

const CAS_SCRIPT = `${CAS_STEP}return next
`;

// CAS_SCRIPT on KEYS[1], then, only when it wrote, the same on KEYS[2] (ARGV[4] '1': a value to
// write; '0': a read only). Answers false when KEYS[1] was not at its version; else {first's version,
// second's version (0: not written), and when not written what KEYS[2] holds ('' version: absent)}.
// Two keys in one script: only where both are on one server (not a Redis Cluster).
const CAS_PAIR_SCRIPT = `${CAS_STEP}local found = redis.call('HMGET', KEYS[2], 'v', 'd')
local version = tonumber(found[1] or '0')
if ARGV[4] == '1' and version == tonumber(ARGV[5]) then
  redis.call('HSET', KEYS[2], 'v', version + 1, 'd', ARGV[6])
  redis.call('PEXPIRE', KEYS[2], ARGV[7])
  return {next, version + 1}
end
if not found[2] then return {next, 0, '', ''} end
return {next, 0, found[1], found[2]}
`;

const SET_SCRIPT = `
local next = tonumber(redis.call('HGET', KEYS[1], 'v') or '0') + 1
redis.call('HSET', KEYS[1], 'v', next, 'd', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return next
`;

const TAKE_SCRIPT = `
local data = redis.call('HGET', KEYS[1], 'd')
if data then redis.call('DEL', KEYS[1]) end
return data
`;

// A log is a stream: XADD never races another XADD, and the server's clock both names the entry and
// sets the cut-off, so retention is by age whatever the clocks of the gateway processes say.
const APPEND_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local cutoff = now - tonumber(ARGV[2])
if cutoff < 0 then cutoff = 0 end
redis.call('XADD', KEYS[1], 'MINID', cutoff, '*', 'd', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

// ARGV: field, whether a value is expected, the expected value, whether to write, the value, TTL.
// HGET answers false for a missing field, which equals no string.
const MAP_CAS_SCRIPT = `
local current = redis.call('HGET', KEYS[1], ARGV[1])
if ARGV[2] == '1' then
  if current ~= ARGV[3] then return 0 end
elseif current then
  return 0
end
if ARGV[4] == '1' then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[5])
  redis.call('PEXPIRE', KEYS[1], ARGV[6])
else
  redis.call('HDEL', KEYS[1], ARGV[1])
end
return 1
`;

// ARGV: member, TTL in ms, and a lower bound ('' for none): members sorting below it are trimmed.
// All members score 0, so they sort by their bytes. One key, so a cluster takes it as it is.
const INDEX_ADD_SCRIPT = `
redis.call('ZADD', KEYS[1], 0, ARGV[1])
if ARGV[3] ~= '' then redis.call('ZREMRANGEBYLEX', KEYS[1], '-', '(' .. ARGV[3]) end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

interface StoreScripts {
  kvStoreCas(key: string, expectedVersion: number, value: string, ttlMs: number): Promise<number | null>;
  kvStorePairCas(
    firstKey: string,
    secondKey: string,
    firstExpected: number,
    firstValue: string,
    firstTtlMs: number,
    write: string,
    secondExpected: number,
    secondValue: string,
    secondTtlMs: number,
  ): Promise<[number, number, string?, string?] | null>;
  kvStoreSet(key: string, value: string, ttlMs: number): Promise<number>;
  kvStoreTake(key: string): Promise<string | null>;
  kvStoreAppend(key: string, value: string, retentionMs: number): Promise<number>;
  kvStoreMapCas(key: string, field: string, hasExpected: string, expected: string, write: string, value: string, ttlMs: number): Promise<number>;
  kvStoreIndexAdd(key: string, member: string, ttlMs: number, trimBelow: string): Promise<number>;
}

/** The shared store for a fleet of gateway processes, on Redis. */
export class RedisStore implements KeyValueStore {
  private readonly scripts: StoreScripts;

  constructor(
    private readonly redis: Redis | Cluster,
    private readonly keyPrefix: string,
  ) {
    redis.defineCommand('kvStoreCas', { numberOfKeys: 1, lua: CAS_SCRIPT });
    redis.defineCommand('kvStorePairCas', { numberOfKeys: 2, lua: CAS_PAIR_SCRIPT });
    redis.defineCommand('kvStoreSet', { numberOfKeys: 1, lua: SET_SCRIPT });
    redis.defineCommand('kvStoreTake', { numberOfKeys: 1, lua: TAKE_SCRIPT });
    redis.defineCommand('kvStoreAppend', { numberOfKeys: 1, lua: APPEND_SCRIPT });
    redis.defineCommand('kvStoreMapCas', { numberOfKeys: 1, lua: MAP_CAS_SCRIPT });
    redis.defineCommand('kvStoreIndexAdd', { numberOfKeys: 1, lua: INDEX_ADD_SCRIPT });
    this.scripts = redis as unknown as StoreScripts;
  }

  /** The value and its version, or null when the key is missing or expired. */
  async get(key: string): Promise<Versioned<string> | null> {
    const [version, value] = await this.redis.hmget(this.k(key), 'v', 'd');
    if (version == null || value == null) return null;
    return { value, version: Number(version) };
  }

  /** Writes only when the key is at `expectedVersion` (0: absent); returns the new version or null. */
  async compareAndSet(key: string, expectedVersion: number, value: string, ttlSeconds: number): Promise<number | null> {
    const ttlMs = ttlToMs(ttlSeconds);
    const result = await this.scripts.kvStoreCas(this.k(key), expectedVersion, value, ttlMs);
    return result == null ? null : Number(result);
  }

  /**
   * One script on one server. A cluster refuses a script over keys of different slots, so there
   * the first compare-and-set and the second's read leave together, and the second's write after
   * the first's answer: two round trips, as two separate calls made them.
   */
  async compareAndSetPair(first: CasWrite, second: CasWrite | { key: string }): Promise<PairOutcome> {
    const firstTtlMs = ttlToMs(first.ttlSeconds);
    const write = 'value' in second ? second : null;
    const secondTtlMs = write ? ttlToMs(write.ttlSeconds) : 0;
    if (this.redis instanceof Cluster) {
      const [firstVersion, found] = await Promise.all([this.compareAndSet(first.key, first.expectedVersion, first.value, first.ttlSeconds), this.get(second.key)]);
      if (firstVersion === null) return { first: null, second: null, secondFound: null };
      const secondVersion = write && (found?.version ?? 0) === write.expectedVersion ? await this.compareAndSet(write.key, write.expectedVersion, write.value, write.ttlSeconds) : null;
      if (secondVersion !== null) return { first: firstVersion, second: secondVersion, secondFound: null };
      // The second changed between the read and the write: the caller reads it again.
      return { first: firstVersion, second: null, secondFound: write && (found?.version ?? 0) === write.expectedVersion ? await this.get(second.key) : found };
    }
    const answer = await this.scripts.kvStorePairCas(
      this.k(first.key),
      this.k(second.key),
      first.expectedVersion,
      first.value,
      firstTtlMs,
      write ? '1' : '0',
      write?.expectedVersion ?? 0,
      write?.value ?? '',
      secondTtlMs,
    );
    if (answer == null) return { first: null, second: null, secondFound: null };
    const [firstVersion, secondVersion, foundVersion, foundValue] = answer;
    if (Number(secondVersion) > 0) return { first: Number(firstVersion), second: Number(secondVersion), secondFound: null };
    const secondFound = foundVersion ? { value: String(foundValue), version: Number(foundVersion) } : null;
    return { first: Number(firstVersion), second: null, secondFound };
  }

  /** Unconditional write; returns the new version. */
  async set(key: string, value: string, ttlSeconds: number): Promise<number> {
    const ttlMs = ttlToMs(ttlSeconds);
    return Number(await this.scripts.kvStoreSet(this.k(key), value, ttlMs));
  }

  /** Reads and deletes in one server-side step. */
  async take(key: string): Promise<string | null> {
    const result = await this.scripts.kvStoreTake(this.k(key));
    return result == null ? null : String(result);
  }

  /** Deletes the keys; missing ones are ignored. */
  async delete(...keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    // A multi-key DEL is refused by a cluster when the keys hash to different slots; one DEL per key
    // is safe everywhere (and auto-pipelining still sends them in one write).
    if (this.redis instanceof Cluster) await Promise.all(keys.map((key) => this.redis.del(this.k(key))));
    else await this.redis.del(...keys.map((key) => this.k(key)));
  }

  /** XADD to the stream at `key`, trimming entries older than the retention by the server's clock. */
  async append(key: string, value: string, retentionSeconds: number): Promise<void> {
    await this.scripts.kvStoreAppend(this.k(key), value, ttlToMs(retentionSeconds));
  }

  /** XRANGE of the stream at `key`, oldest first. */
  async readLog(key: string, options: { after?: string; count?: number } = {}): Promise<LogEntry[]> {
    const start = options.after === undefined ? '-' : `(${options.after}`;
    const found =
      options.count === undefined
        ? await this.redis.xrange(this.k(key), start, '+')
        : await this.redis.xrange(this.k(key), start, '+', 'COUNT', options.count);
    return found.map(([id, fields]) => ({ id, value: fields[fields.indexOf('d') + 1] ?? '' }));
  }

  /** HGETALL of the hash at `key`. */
  async mapEntries(key: string): Promise<Map<string, string>> {
    return new Map(Object.entries(await this.redis.hgetall(this.k(key))));
  }

  /** HGET of one field. */
  async mapField(key: string, field: string): Promise<string | null> {
    return this.redis.hget(this.k(key), field);
  }

  /** Compares and writes (or deletes) one field of the hash in one server-side step. */
  async mapCompareAndSet(key: string, field: string, expected: string | null, value: string | null, ttlSeconds: number): Promise<boolean> {
    const ttlMs = ttlToMs(ttlSeconds);
    const flag = (present: boolean) => (present ? '1' : '0');
    const done = await this.scripts.kvStoreMapCas(this.k(key), field, flag(expected !== null), expected ?? '', flag(value !== null), value ?? '', ttlMs);
    return Number(done) === 1;
  }

  /** HDEL of one field. */
  async mapDelete(key: string, field: string): Promise<void> {
    await this.redis.hdel(this.k(key), field);
  }

  /**
   * A sorted set whose members all score 0, so that they sort by their bytes (ZRANGEBYLEX); the add,
   * the trim and the expiry in one script on the one key: one command where a MULTI took four or five.
   */
  async indexAdd(key: string, member: string, ttlSeconds: number, trimBelow?: string): Promise<void> {
    await this.scripts.kvStoreIndexAdd(this.k(key), member, ttlToMs(ttlSeconds), trimBelow ?? '');
  }

  /** ZREVRANGEBYLEX between the bounds. */
  async indexRange(key: string, options: { below?: string; from?: string; count: number }): Promise<string[]> {
    const max = options.below === undefined ? '+' : `(${options.below}`;
    const min = options.from === undefined ? '-' : `[${options.from}`;
    return this.redis.zrevrangebylex(this.k(key), max, min, 'LIMIT', 0, options.count);
  }

  async indexRemove(key: string, members: string[]): Promise<void> {
    if (members.length > 0) await this.redis.zrem(this.k(key), ...members);
  }

  /** Resolves when Redis answers PING. */
  async ping(): Promise<void> {
    await this.redis.ping();
  }

  /** Quits the client, or drops the connection when Redis is already unreachable. */
  async close(): Promise<void> {
    try {
      await this.redis.quit();
    } catch {
      // QUIT cannot be sent without a connection; disconnect also stops the reconnect loop.
      this.redis.disconnect();
    }
  }

  private k(key: string): string {
    return this.keyPrefix + key;
  }
}

export interface ConnectRedisOptions {
  /** How long to wait for the first 'ready'; default 5000 ms. */
  connectTimeoutMs?: number;
}

const MAX_RECONNECT_DELAY_MS = 1000;

/** Connects a client that fails commands fast while Redis is down, and resolves once it is ready. */
export async function connectRedis(url: string, opts: ConnectRedisOptions = {}): Promise<Redis> {
  const timeoutMs = opts.connectTimeoutMs ?? 5000;
  const where = redactRedisUrl(url);
  // A payment call cannot wait on a queue that drains "eventually": every command either reaches
  // a live server promptly or errors, and the caller decides what the caller hears.
  const redis = new Redis(url, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    commandTimeout: 2000,
    connectTimeout: 3000,
    lazyConnect: true,
    // ioredis arms this timer even for a socket that is already gone (disconnecting while
    // reconnecting), and it holds the process open for its full length at shutdown.
    disconnectTimeout: 500,
    retryStrategy: (times) => Math.min(times * 100, MAX_RECONNECT_DELAY_MS),
    // Commands issued in the same tick by concurrent webhooks leave in one write: far fewer syscalls.
    enableAutoPipelining: true,
  });

  let lastError: Error | undefined;
  // Without a listener ioredis prints every failed reconnect; failures still surface as rejected
  // commands and failed pings, which is where the gateway reports them.
  redis.on('error', (err: Error) => {
    lastError = err;
  });

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      redis.disconnect();
      const cause = lastError ? ` (last error: ${lastError.message})` : '';
      reject(new Error(`Redis at ${where} was not ready within ${timeoutMs} ms${cause}`));
    }, timeoutMs);
    const onReady = (): void => {
      clearTimeout(timer);
      resolve();
    };
    redis.once('ready', onReady);
    // connect() rejects on the first failed attempt; the retry strategy keeps trying until the timer.
    redis.connect().catch((err: Error) => {
      lastError = err;
    });
  });
  return redis;
}

/** The URL with any password removed, fit for logs and error messages. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '';
    return parsed.toString();
  } catch {
    // An unparsable URL may still hold a secret; naming it is not worth the risk.
    return '(unparsable Redis URL)';
  }
}
