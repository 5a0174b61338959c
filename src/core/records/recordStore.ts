import type { z } from 'zod';
import type { CasWrite, KeyValueStore, PairOutcome, Versioned } from '../../ports/keyValueStore';

/**
 * How many times an `update` re-reads and tries again after losing a compare-and-set. Every record
 * type shares it. A lost compare-and-set means another writer made progress, so retrying cannot
 * livelock; the limit is sized for the busiest key (the one ledger of pending charges every charge
 * writes) and only stops a writer that keeps losing, as a fault to report.
 */
export const UPDATE_ATTEMPTS = 50;

/**
 * How many records a store remembers having written. A call's session is read back by the next
 * turn, mostly on the process that wrote it; 1,024 covers as many live calls per process, at the
 * cost of keeping their last written text (about 1.3 kB each for a session).
 */
const REMEMBERED_WRITES = 1024;

/**
 * A stored value that does not match its schema. The message names the key's prefix and the
 * failing field's path only: the value itself (and even a full key) may carry masked card data
 * or tokens, and errors end up in logs.
 */
export class CorruptRecordError extends Error {
  constructor(
    readonly keyPrefix: string,
    readonly issuePath: string,
  ) {
    super(`corrupt ${keyPrefix} record at ${issuePath || '(root)'}`);
    this.name = 'CorruptRecordError';
  }
}

/** Many writers kept winning over this one; the record is as they left it. */
export class TooManyConcurrentUpdatesError extends Error {
  constructor(readonly keyPrefix: string) {
    super(`${keyPrefix}: too many concurrent updates`);
    this.name = 'TooManyConcurrentUpdatesError';
  }
}

export interface RecordStoreOptions<T> {
  /** What every key of this record type starts with, e.g. `payment:`; errors name it. */
  prefix: string;
  schema: z.ZodType<T, unknown>;
  /** Seconds a record is kept after a write; a function when it depends on the record. */
  ttlSeconds: number | ((value: T) => number);
}

/**
 * Typed, validated records of one kind over the key-value store. Keys passed in are the part after
 * the prefix, so key names stay exactly as they were.
 */
export class RecordStore<T> {
  readonly prefix: string;
  /**
   * The text and version of records this process wrote, by key, oldest first. A read that finds
   * exactly that version and text skips the schema check: the text was made here from a value of
   * type T. Any other writer's record (another version, or other bytes at the same version after
   * the key expired) is checked as before.
   */
  private readonly written = new Map<string, { version: number; raw: string }>();

  constructor(
    private readonly store: KeyValueStore,
    private readonly options: RecordStoreOptions<T>,
  ) {
    this.prefix = options.prefix;
  }

  key(id: string): string {
    return `${this.prefix}${id}`;
  }

  /** The record and its version, validated; null when absent. */
  async get(id: string): Promise<Versioned<T> | null> {
    return this.decodeVersioned(id, await this.store.get(this.key(id)));
  }

  /** The raw read, for a caller that starts it early and hands it to `update` as its first read. */
  read(id: string): Promise<Versioned<string> | null> {
    return this.store.get(this.key(id));
  }

  /** Validates a raw read of this record type. */
  private decodeVersioned(id: string, found: Versioned<string> | null): Versioned<T> | null {
    if (!found) return null;
    const mine = this.written.get(this.key(id));
    if (mine && mine.version === found.version && mine.raw === found.value) return { value: JSON.parse(found.value) as T, version: found.version };
    return { value: this.decode(found.value), version: found.version };
  }

  /** Writes a new record; the version, or null when the key already exists. */
  create(id: string, value: T, ttlSeconds?: number): Promise<number | null> {
    return this.compareAndSet(id, 0, value, ttlSeconds);
  }

  /** One compare-and-set, no retry: for callers whose answer to a lost race is not "try again". */
  async compareAndSet(id: string, expectedVersion: number, value: T, ttlSeconds?: number): Promise<number | null> {
    const key = this.key(id);
    const raw = JSON.stringify(value);
    const version = await this.store.compareAndSet(key, expectedVersion, raw, ttlSeconds ?? this.ttl(value));
    if (version !== null) this.remember(key, version, raw);
    return version;
  }

  /**
   * This record's compare-and-set and, only when it is written, `companion` (another record's
   * write prepared with `prepare`, or a read of it), in one store call: see `compareAndSetPair`.
   */
  async compareAndSetWith(id: string, expectedVersion: number, value: T, ttlSeconds: number | undefined, companion: CasWrite | { key: string }): Promise<PairOutcome> {
    const own = this.prepare(id, expectedVersion, value, ttlSeconds);
    const outcome = await this.store.compareAndSetPair(own, companion);
    if (outcome.first !== null) this.remember(own.key, outcome.first, own.value);
    return outcome;
  }

  /** A compare-and-set to hand to another record's `compareAndSetWith`; `noteWritten` when it was. */
  prepare(id: string, expectedVersion: number, value: T, ttlSeconds?: number): CasWrite {
    return { key: this.key(id), expectedVersion, value: JSON.stringify(value), ttlSeconds: ttlSeconds ?? this.ttl(value) };
  }

  /** Notes a prepared write the store made (see `prepare`). */
  noteWritten(write: CasWrite, version: number): void {
    this.remember(write.key, version, write.value);
  }

  /**
   * The record as this process last wrote it, and that write's version: a guess at what the store
   * holds, to prepare a change without reading it. A compare-and-set from it is refused when the
   * guess is stale (another writer, or the key expired), as from any read. Null when not remembered.
   */
  lastWritten(id: string): Versioned<T> | null {
    const mine = this.written.get(this.key(id));
    return mine ? { value: JSON.parse(mine.raw) as T, version: mine.version } : null;
  }

  /** Unconditional write; the new version. */
  async put(id: string, value: T, ttlSeconds?: number): Promise<number> {
    const key = this.key(id);
    const raw = JSON.stringify(value);
    const version = await this.store.set(key, raw, ttlSeconds ?? this.ttl(value));
    this.remember(key, version, raw);
    return version;
  }

  async delete(id: string): Promise<void> {
    this.written.delete(this.key(id));
    await this.store.delete(this.key(id));
  }

  /**
   * Applies `change` atomically: re-reads and tries again when another writer got in between.
   * `change` gets null when the record is absent and returns null to leave the store as it is.
   * Resolves to the record as stored afterwards (null when absent and left so).
   * `firstRead`, from `read`, stands for the first read: a stale one only costs a retry.
   * `sent` is called as each compare-and-set has been handed to the store, before its answer: what
   * it starts leaves with that write.
   */
  async update(
    id: string,
    change: (current: T | null) => T | null,
    firstRead?: Promise<Versioned<string> | null>,
    sent?: () => void,
  ): Promise<Versioned<T> | null> {
    for (let i = 0; i < UPDATE_ATTEMPTS; i += 1) {
      const found = this.decodeVersioned(id, i === 0 && firstRead ? await firstRead : await this.store.get(this.key(id)));
      const next = change(found?.value ?? null);
      if (next === null) return found;
      const writing = this.compareAndSet(id, found?.version ?? 0, next);
      sent?.();
      const version = await writing;
      if (version !== null) return { value: next, version };
    }
    throw new TooManyConcurrentUpdatesError(this.prefix);
  }

  private decode(raw: string): T {
    return decodeRecord(this.prefix, this.options.schema, raw);
  }

  private remember(key: string, version: number, raw: string): void {
    this.written.delete(key);
    this.written.set(key, { version, raw });
    if (this.written.size > REMEMBERED_WRITES) this.written.delete(this.written.keys().next().value as string);
  }

  private ttl(value: T): number {
    const { ttlSeconds } = this.options;
    return typeof ttlSeconds === 'function' ? ttlSeconds(value) : ttlSeconds;
  }
}

/**
 * Reads one stored JSON record through its schema: what the store holds is checked, never trusted.
 * A record that is not JSON or does not match is a CorruptRecordError naming the failing path only.
 */
export function decodeRecord<T>(keyPrefix: string, schema: z.ZodType<T, unknown>, raw: string): T {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new CorruptRecordError(keyPrefix, '(not JSON)');
  }
  const result = schema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new CorruptRecordError(keyPrefix, issue ? issue.path.map(String).join('.') : '');
  }
  return result.data;
}
