import type { Clock } from '../ports/clock';
import type { KeyValueStore } from '../ports/keyValueStore';

/**
 * A fixed-window request counter on the shared store, so every gateway process counts into the same
 * window. Compare-and-set instead of an increment keeps it on the store's one primitive.
 */
export class FixedWindowLimiter {
  constructor(
    private readonly store: KeyValueStore,
    private readonly clock: Clock,
    private readonly windowSeconds: number,
  ) {}

  /** Counts one request for `subject`; false when it is over `limit` in the current window. */
  async allow(subject: string, limit: number): Promise<boolean> {
    const window = Math.floor(this.clock.now().getTime() / 1000 / this.windowSeconds);
    const key = `ratelimit:${subject}:${window}`;
    for (let i = 0; i < 8; i += 1) {
      const found = await this.store.get(key);
      const count = found ? Number(found.value) : 0;
      if (count >= limit) return false;
      const written = await this.store.compareAndSet(key, found?.version ?? 0, String(count + 1), this.windowSeconds * 2);
      if (written !== null) return true;
    }
    // Heavy contention on one key is itself a flood: refuse rather than spin.
    return false;
  }
}
