import type { Logger } from '../logging/logger';
import type { KeyValueStore } from '../ports/keyValueStore';

/** One agent action: who, from where, what, on what, when, and how it ended. Never card data. */
export interface AuditEntry {
  at: string;
  /** The session's actor name, or `anonymous` before sign-in. */
  actor: string;
  ip: string;
  /** The Origin header the browser sent, or null. */
  origin: string | null;
  action: 'sign-in' | 'sign-out' | 'start-capture' | 'confirmed' | 'reenter' | 'cancel' | 'retry';
  /** The bridge or payment acted on, or null. */
  resource: string | null;
  /** `ok`, or the refusal's code. */
  result: string;
}

const KEY = 'audit:panel';
const MAX_ENTRIES = 1000;
const MAX_RACE_RETRIES = 8;

/**
 * The audit trail of the agent panel (PCI DSS 10.2): a capped list in the store, newest last, kept
 * for `ttlSeconds` after the last entry, and a log line per entry for the log pipeline to keep longer.
 */
export class AuditTrail {
  constructor(
    private readonly store: KeyValueStore,
    private readonly logger: Logger,
    private readonly ttlSeconds: number,
  ) {}

  async record(entry: AuditEntry): Promise<void> {
    this.logger.info('audit', { audit: entry });
    for (let i = 0; i < MAX_RACE_RETRIES; i += 1) {
      const found = await this.store.get(KEY);
      const entries = found ? (JSON.parse(found.value) as AuditEntry[]) : [];
      const next = [...entries, entry].slice(-MAX_ENTRIES);
      if ((await this.store.compareAndSet(KEY, found?.version ?? 0, JSON.stringify(next), this.ttlSeconds)) !== null) return;
    }
    this.logger.error('audit entry not stored after repeated races', { audit: entry });
  }

  async entries(): Promise<AuditEntry[]> {
    const found = await this.store.get(KEY);
    return found ? (JSON.parse(found.value) as AuditEntry[]) : [];
  }
}
