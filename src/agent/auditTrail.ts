import { z } from 'zod';
import { decodeRecord } from '../core/records/recordStore';
import type { Logger } from '../observability/logger';
import type { KeyValueStore } from '../ports/keyValueStore';

const AUDIT_ACTIONS = [
  'sign-in', 'sign-out', 'start-capture', 'confirmed', 'reenter', 'cancel', 'retry',
  'askCardNumber', 'askExpiry', 'askSecurityCode', 'charge', 'download-recording', 'create-link',
] as const;

/** One agent action: who, from where, what, on what, when, and how it ended. Never card data. */
const auditEntrySchema = z.object({
  at: z.string(),
  /** The session's actor name, or `anonymous` before sign-in. */
  actor: z.string(),
  ip: z.string(),
  /** The Origin header the browser sent, or null. */
  origin: z.string().nullable(),
  action: z.enum(AUDIT_ACTIONS),
  /** The bridge or payment acted on, or null. */
  resource: z.string().nullable(),
  /** `ok`, or the refusal's code. */
  result: z.string(),
});

export type AuditEntry = z.infer<typeof auditEntrySchema>;

const KEY = 'audit:panel';

/**
 * The audit trail of the agent panel (PCI DSS 10.2): an append-only log in the store, oldest first,
 * each entry kept for `retentionSeconds` (a Redis stream, or the memory store's log), and a log line
 * per entry for the log pipeline. Appends never race, so no entry is lost and none evicts another.
 */
export class AuditTrail {
  constructor(
    private readonly store: KeyValueStore,
    private readonly logger: Logger,
    private readonly retentionSeconds: number,
  ) {}

  async record(entry: AuditEntry): Promise<void> {
    this.logger.info('audit', { audit: entry });
    await this.store.append(KEY, JSON.stringify(entry), this.retentionSeconds);
  }

  /** Entries oldest first: after the entry id `after` when given, at most `count`. */
  async page(options: { after?: string; count?: number } = {}): Promise<Array<{ id: string; entry: AuditEntry }>> {
    const found = await this.store.readLog(KEY, options);
    return found.map(({ id, value }) => ({ id, entry: decodeRecord(KEY, auditEntrySchema, value) }));
  }

  /** Every entry still kept, oldest first. */
  async entries(): Promise<AuditEntry[]> {
    return (await this.page()).map(({ entry }) => entry);
  }
}
