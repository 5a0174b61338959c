import { createHash } from 'node:crypto';
import type { KeyValueStore } from '../ports/keyValueStore';

/** PCI DSS 8.3.4: after this many wrong keys from one address, sign-in is locked for the window. */
export const MAX_FAILED_SIGN_INS = 10;
export const LOCKOUT_SECONDS = 30 * 60;
const MAX_RACE_RETRIES = 8;

/** Counts failed panel sign-ins per client address in the store, so every process sees the same count. */
export class SignInThrottle {
  constructor(private readonly store: KeyValueStore) {}

  async locked(ip: string): Promise<boolean> {
    const found = await this.store.get(key(ip));
    return found !== null && Number(found.value) >= MAX_FAILED_SIGN_INS;
  }

  /** Counts one failure; the window starts with the first one. */
  async failed(ip: string): Promise<void> {
    for (let i = 0; i < MAX_RACE_RETRIES; i += 1) {
      const found = await this.store.get(key(ip));
      const count = found ? Number(found.value) + 1 : 1;
      if ((await this.store.compareAndSet(key(ip), found?.version ?? 0, String(count), LOCKOUT_SECONDS)) !== null) return;
    }
  }

  async succeeded(ip: string): Promise<void> {
    await this.store.delete(key(ip));
  }
}

function key(ip: string): string {
  return `panel:sign-in-failures:${createHash('sha256').update(ip).digest('hex').slice(0, 32)}`;
}
