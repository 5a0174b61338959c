import type { KeyValueStore, Versioned } from '../ports/keyValueStore';

interface Entry {
  value: string;
  version: number;
  expiresAt: number;
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
  }

  /** Live values by key, for diagnostics and for tests that inspect what is actually at rest. */
  snapshot(): Map<string, string> {
    const out = new Map<string, string>();
    for (const key of this.entries.keys()) {
      const entry = this.live(key);
      if (entry) out.set(key, entry.value);
    }
    return out;
  }

  /** Drops expired entries now rather than waiting for the timer. */
  sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt <= now) this.entries.delete(key);
    }
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

  private write(key: string, version: number, value: string, ttlMs: number): number {
    this.entries.set(key, { value, version, expiresAt: this.now() + ttlMs });
    return version;
  }

  private assertOpen(): void {
    // A closed store answering would hide shutdown-ordering bugs that Redis would surface.
    if (this.closed) throw new Error('MemoryStore is closed');
  }
}
