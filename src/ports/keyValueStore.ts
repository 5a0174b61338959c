/** A value with the version it was read at; versions start at 1 and grow by one on every write. */
export interface Versioned<T> {
  value: T;
  version: number;
}

/** One entry of an append-only log: its id (ordered as the log is) and its value. */
export interface LogEntry {
  id: string;
  value: string;
}

/** One compare-and-set of a `compareAndSetPair`: as `compareAndSet`'s arguments. */
export interface CasWrite {
  key: string;
  expectedVersion: number;
  value: string;
  ttlSeconds: number;
}

/** What a `compareAndSetPair` did. */
export interface PairOutcome {
  /** The first key's new version; null when it was not at its expected version (nothing was written). */
  first: number | null;
  /** The second key's new version; null when it was not written (or only read). */
  second: number | null;
  /**
   * The second key as it is (null: absent), when the first was written and the second was not: the
   * caller can try its change again from it without another read. Null otherwise.
   */
  secondFound: Versioned<string> | null;
}

/**
 * The one storage primitive every repository builds on: string values with a version and a TTL.
 * Optimistic versioning (compare-and-set) is what lets any number of gateway processes share a call
 * without two webhooks advancing it twice.
 */
export interface KeyValueStore {
  /** The value and its version, or null when the key is missing or expired. */
  get(key: string): Promise<Versioned<string> | null>;
  /**
   * Writes `value` only when the key is at `expectedVersion` (0 means "must not exist").
   * Returns the new version, or null when another writer got there first.
   */
  compareAndSet(key: string, expectedVersion: number, value: string, ttlSeconds: number): Promise<number | null>;
  /**
   * A compare-and-set of `first` and, only when that one was written, of `second` (or, when `second`
   * carries no value, a read of it): a record's commit and a change of another record that must
   * follow it, in one round trip where the store can (one script on a Redis server; on a Redis
   * Cluster, whose two keys may sit on different nodes, the second leaves after the first's answer,
   * as two calls would). When the second is not at its expected version, what it holds comes back.
   */
  compareAndSetPair(first: CasWrite, second: CasWrite | { key: string }): Promise<PairOutcome>;
  /** Unconditional write; returns the new version. */
  set(key: string, value: string, ttlSeconds: number): Promise<number>;
  /** Atomically reads and deletes: what single-use tokens are made of. */
  take(key: string): Promise<string | null>;
  delete(...keys: string[]): Promise<void>;
  /**
   * Appends `value` to the log at `key` and drops entries older than `retentionSeconds`. Appends never
   * race each other: every one is kept, in the order the store received them.
   */
  append(key: string, value: string, retentionSeconds: number): Promise<void>;
  /** Entries of the log at `key`, oldest first: after the entry `after` when given, at most `count`. */
  readLog(key: string, options?: { after?: string; count?: number }): Promise<LogEntry[]>;
  // Maps: named fields under one key (a Redis hash), each written on its own, so that writers of
  // different fields never collide. The whole map shares one TTL, renewed by every write to it.
  // A key is used either as a map or for a value, never both.

  /** Every field of the map at `key` (empty when there is none). */
  mapEntries(key: string): Promise<Map<string, string>>;
  /** One field of the map at `key`, or null. */
  mapField(key: string, field: string): Promise<string | null>;
  /**
   * Writes `value` to the field (null: deletes it) only when the field holds `expected` (null: is
   * absent); true when it did. A compare-and-set of one field: the others may change meanwhile.
   */
  mapCompareAndSet(key: string, field: string, expected: string | null, value: string | null, ttlSeconds: number): Promise<boolean>;
  /** Deletes the field whatever it holds. */
  mapDelete(key: string, field: string): Promise<void>;
  /**
   * Adds `member` to the ordered index at `key` (members sort by their bytes, so a fixed-width time
   * prefix orders them by time), and drops every member sorting before `trimBelow` when given. The
   * index is one store key (one slot of a Redis Cluster) and lives `ttlSeconds` after its last add.
   */
  indexAdd(key: string, member: string, ttlSeconds: number, trimBelow?: string): Promise<void>;
  /** Members of the index at `key`, greatest first: below `below` (exclusive) and from `from` (inclusive) when given, at most `count`. */
  indexRange(key: string, options: { below?: string; from?: string; count: number }): Promise<string[]>;
  /** Removes members from the index at `key`; missing ones are ignored. */
  indexRemove(key: string, members: string[]): Promise<void>;
  /** Resolves when the store answers; rejects when it cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
