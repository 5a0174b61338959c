import type { CasWrite, KeyValueStore, LogEntry, PairOutcome, Versioned } from '../../ports/keyValueStore';

interface Entry {
  value: string;
  version: number;
  expiresAt: number;
}

interface StoredMap {
  fields: Map<string, string>;
  expiresAt: number;
}

interface Log {
  entries: Array<LogEntry & { at: number }>;
  retentionMs: number;
  /** The last id's time and sequence, so ids keep growing even when the clock does not. */
  lastMs: number;
  seq: number;
}

export interface MemoryStoreOptions {
  /** Milliseconds since the epoch; tests replace it to move time without waiting. */
  now?: () => number;
  /** How often expired entries are dropped; reads already ignore them, so this only bounds memory. */
  sweepIntervalMs?: number;
}

const DEFAULT_SWEEP_INTERVAL_MS = 30_000;

/** Validates a TTL and turns it into milliseconds, so a typo cannot create an immortal entry. */
export function ttlToMs(ttlSeconds: number): number {
  if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0) {
    throw new RangeError(`ttlSeconds must be a positive number, got ${ttlSeconds}`);
  }
  return Math.max(1, Math.round(ttlSeconds * 1000));
}

/**
 * The embedded store for a single gateway process. Every method runs synchronously between
 * awaits, which is what makes compare-and-set and take atomic here without any locking.
 */
export class MemoryStore implements KeyValueStore {
  private readonly entries = new Map<string, Entry>();
  private readonly logs = new Map<string, Log>();
  private readonly maps = new Map<string, StoredMap>();
  private readonly indexes = new Map<string, { members: string[]; expiresAt: number }>();
  private readonly now: () => number;
  private sweeper: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(options: MemoryStoreOptions = {}) {
    this.now = options.now ?? Date.now;
    this.sweeper = setInterval(() => this.sweep(), options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS);
    // The sweeper is housekeeping only; it must never keep the process alive on shutdown.
    this.sweeper.unref();
  }

  /** The value and its version, or null when the key is missing or expired. */
  async get(key: string): Promise<Versioned<string> | null> {
    this.assertOpen();
    const entry = this.live(key);
    return entry ? { value: entry.value, version: entry.version } : null;
  }

  /** Writes only when the key is at `expectedVersion` (0: absent); returns the new version or null. */
  async compareAndSet(key: string, expectedVersion: number, value: string, ttlSeconds: number): Promise<number | null> {
    this.assertOpen();
    const ttlMs = ttlToMs(ttlSeconds);
    const current = this.live(key)?.version ?? 0;
    if (current !== expectedVersion) return null;
    return this.write(key, current + 1, value, ttlMs);
  }

  /** Both steps run without an await between them, so nothing interleaves: atomic here as on Redis. */
  async compareAndSetPair(first: CasWrite, second: CasWrite | { key: string }): Promise<PairOutcome> {
    this.assertOpen();
    const firstTtlMs = ttlToMs(first.ttlSeconds);
    const secondTtlMs = 'value' in second ? ttlToMs(second.ttlSeconds) : 0;
    const current = this.live(first.key)?.version ?? 0;
    if (current !== first.expectedVersion) return { first: null, second: null, secondFound: null };
    const written = this.write(first.key, current + 1, first.value, firstTtlMs);
    const found = this.live(second.key);
    if ('value' in second && (found?.version ?? 0) === second.expectedVersion) {
      return { first: written, second: this.write(second.key, (found?.version ?? 0) + 1, second.value, secondTtlMs), secondFound: null };
    }
    return { first: written, second: null, secondFound: found ? { value: found.value, version: found.version } : null };
  }

  /** Unconditional write; returns the new version. */
  async set(key: string, value: string, ttlSeconds: number): Promise<number> {
    this.assertOpen();
    const ttlMs = ttlToMs(ttlSeconds);
    const current = this.live(key)?.version ?? 0;
    return this.write(key, current + 1, value, ttlMs);
  }

  /** Reads and deletes in one step. */
  async take(key: string): Promise<string | null> {
    this.assertOpen();
    const entry = this.live(key);
    this.entries.delete(key);
    return entry ? entry.value : null;
  }

  /** Deletes the keys; missing ones are ignored. */
  async delete(...keys: string[]): Promise<void> {
    this.assertOpen();
    for (const key of keys) this.entries.delete(key);
  }

  /** Appends with an id shaped like a Redis stream's (`<ms>-<seq>`), and drops entries past retention. */
  async append(key: string, value: string, retentionSeconds: number): Promise<void> {
    this.assertOpen();
    const retentionMs = ttlToMs(retentionSeconds);
    const now = this.now();
    const log = this.logs.get(key) ?? { entries: [], retentionMs, lastMs: 0, seq: 0 };
    log.retentionMs = retentionMs;
    if (now > log.lastMs) {
      log.lastMs = now;
      log.seq = 0;
    } else {
      log.seq += 1;
    }
    log.entries.push({ id: `${log.lastMs}-${log.seq}`, value, at: now });
    this.logs.set(key, log);
    this.trim(key, log, now);
  }

  /** Entries oldest first, after `after` when given, at most `count`. */
  async readLog(key: string, options: { after?: string; count?: number } = {}): Promise<LogEntry[]> {
    this.assertOpen();
    const log = this.logs.get(key);
    if (!log) return [];
    this.trim(key, log, this.now());
    const after = options.after === undefined ? null : parseLogId(options.after);
    const found = after ? log.entries.filter((e) => compareLogIds(parseLogId(e.id), after) > 0) : log.entries;
    return found.slice(0, options.count ?? found.length).map(({ id, value }) => ({ id, value }));
  }

  /** Every field of the map, as a copy. */
  async mapEntries(key: string): Promise<Map<string, string>> {
    this.assertOpen();
    return new Map(this.liveMap(key)?.fields);
  }

  async mapField(key: string, field: string): Promise<string | null> {
    this.assertOpen();
    return this.liveMap(key)?.fields.get(field) ?? null;
  }

  /** Writes (or deletes) the field when it holds `expected`; an emptied map goes, as a Redis hash would. */
  async mapCompareAndSet(key: string, field: string, expected: string | null, value: string | null, ttlSeconds: number): Promise<boolean> {
    this.assertOpen();
    const ttlMs = ttlToMs(ttlSeconds);
    const map = this.liveMap(key);
    if ((map?.fields.get(field) ?? null) !== expected) return false;
    if (value === null) {
      this.dropField(key, field);
      return true;
    }
    const target = map ?? { fields: new Map<string, string>(), expiresAt: 0 };
    target.fields.set(field, value);
    target.expiresAt = this.now() + ttlMs;
    this.maps.set(key, target);
    return true;
  }

  async mapDelete(key: string, field: string): Promise<void> {
    this.assertOpen();
    if (this.liveMap(key)) this.dropField(key, field);
  }

  /** Keeps the members sorted; a binary search places each add. */
  async indexAdd(key: string, member: string, ttlSeconds: number, trimBelow?: string): Promise<void> {
    this.assertOpen();
    const ttlMs = ttlToMs(ttlSeconds);
    const index = this.liveIndex(key) ?? { members: [], expiresAt: 0 };
    const at = lowerBound(index.members, member);
    if (index.members[at] !== member) index.members.splice(at, 0, member);
    if (trimBelow !== undefined) index.members.splice(0, lowerBound(index.members, trimBelow));
    index.expiresAt = this.now() + ttlMs;
    this.indexes.set(key, index);
  }

  /** Greatest first, below `below`, from `from`, at most `count`. */
  async indexRange(key: string, options: { below?: string; from?: string; count: number }): Promise<string[]> {
    this.assertOpen();
    const members = this.liveIndex(key)?.members ?? [];
    const end = options.below === undefined ? members.length : lowerBound(members, options.below);
    const start = options.from === undefined ? 0 : lowerBound(members, options.from);
    return members.slice(Math.max(start, end - options.count), end).reverse();
  }

  async indexRemove(key: string, members: string[]): Promise<void> {
    this.assertOpen();
    const index = this.liveIndex(key);
    if (!index) return;
    const gone = new Set(members);
    index.members = index.members.filter((m) => !gone.has(m));
  }

  /** Always reachable while open. */
  async ping(): Promise<void> {
    this.assertOpen();
  }

  /** Stops the sweeper and drops every entry. */
  async close(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
    this.closed = true;
    this.entries.clear();
    this.logs.clear();
    this.maps.clear();
    this.indexes.clear();
  }

  /** Live values by key, for diagnostics and for tests that inspect what is actually at rest. */
  snapshot(): Map<string, string> {
    const out = new Map<string, string>();
    for (const key of this.entries.keys()) {
      const entry = this.live(key);
      if (entry) out.set(key, entry.value);
    }
    for (const [key, log] of this.logs) for (const entry of log.entries) out.set(`${key}#${entry.id}`, entry.value);
    for (const key of [...this.maps.keys()]) for (const [field, value] of this.liveMap(key)?.fields ?? []) out.set(`${key}#${field}`, value);
    for (const key of this.indexes.keys()) {
      const index = this.liveIndex(key);
      if (index) out.set(key, index.members.join('\n'));
    }
    return out;
  }

  /** Drops expired entries now rather than waiting for the timer. */
  sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt <= now) this.entries.delete(key);
    }
    for (const [key, log] of this.logs) this.trim(key, log, now);
    for (const [key, map] of this.maps) if (map.expiresAt <= now) this.maps.delete(key);
  }

  private liveMap(key: string): StoredMap | undefined {
    const map = this.maps.get(key);
    if (!map) return undefined;
    if (map.expiresAt <= this.now()) {
      this.maps.delete(key);
      return undefined;
    }
    return map;
  }

  private dropField(key: string, field: string): void {
    const map = this.maps.get(key);
    map?.fields.delete(field);
    if (map?.fields.size === 0) this.maps.delete(key);
  }

  private liveIndex(key: string): { members: string[]; expiresAt: number } | undefined {
    const index = this.indexes.get(key);
    if (index && index.expiresAt <= this.now()) {
      this.indexes.delete(key);
      return undefined;
    }
    return index;
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  /** Entries are in time order, so the expired ones are a prefix; an emptied log goes, as a Redis key would. */
  private trim(key: string, log: Log, now: number): void {
    const keep = log.entries.findIndex((e) => e.at > now - log.retentionMs);
    if (keep === -1) this.logs.delete(key);
    else if (keep > 0) log.entries.splice(0, keep);
  }

  private write(key: string, version: number, value: string, ttlMs: number): number {
    this.entries.set(key, { value, version, expiresAt: this.now() + ttlMs });
    return version;
  }

  private assertOpen(): void {
    // A closed store answering would hide shutdown-ordering bugs that Redis would surface.
    if (this.closed) throw new Error('MemoryStore is closed');
  }
}

/** The first position whose member is not below `member` (members compared as Redis compares bytes). */
function lowerBound(members: string[], member: string): number {
  let lo = 0;
  let hi = members.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (Buffer.compare(Buffer.from(members[mid]!), Buffer.from(member)) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function parseLogId(id: string): [number, number] {
  const [ms = '0', seq = '0'] = id.split('-');
  return [Number(ms), Number(seq)];
}

function compareLogIds(a: [number, number], b: [number, number]): number {
  return a[0] - b[0] || a[1] - b[1];
}
