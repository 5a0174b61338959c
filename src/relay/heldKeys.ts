import type { Timers } from '../ports/clock';

/** A few seconds: the time between the agent's request being stored and this process reading it, with room. */
export const HOLD_MS = 3000;
/** More keys than any field takes: beyond this, what is typed while no field is open is dropped. */
const MAX_HELD = 48;

/**
 * Keys the caller types during a capture while this process does not yet see a field asked: the
 * agent's request is committed in the store first and read here a moment later, and a caller who
 * types right away must not lose the first keys. Each key is kept for `HOLD_MS` only, in a byte
 * buffer zeroed when handed over or wiped. A `#` with nothing held before it (a second press after a
 * field was handed over) finishes nothing and is not held.
 * Never logged: only the collector ever sees the keys.
 */
export class HeldKeys {
  private readonly buffer = new Uint8Array(MAX_HELD);
  private count = 0;
  private readonly expiries: Array<() => void> = [];

  constructor(private readonly timers: Timers) {}

  /** How many keys are held now. */
  get size(): number {
    return this.count;
  }

  hold(key: string): void {
    if ((key === '#' && this.count === 0) || this.count >= MAX_HELD) return;
    this.buffer[this.count] = key.charCodeAt(0);
    this.count += 1;
    // Keys expire in the order they came, each HOLD_MS after it was typed.
    this.expiries.push(this.timers.after(HOLD_MS, () => this.dropOldest()));
  }

  /** Hands every held key, oldest first, to `to`, and wipes them. */
  handTo(to: (key: string) => void): void {
    const keys = this.buffer.slice(0, this.count);
    this.wipe();
    for (const code of keys) to(String.fromCharCode(code));
    keys.fill(0);
  }

  wipe(): void {
    for (const cancel of this.expiries) cancel();
    this.expiries.length = 0;
    this.buffer.fill(0);
    this.count = 0;
  }

  private dropOldest(): void {
    this.expiries.shift();
    this.buffer.copyWithin(0, 1, this.count);
    this.count -= 1;
    this.buffer[this.count] = 0;
  }
}
