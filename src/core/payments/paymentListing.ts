import type { Clock } from '../../ports/clock';
import { effectiveStatus, type Payment, type PaymentChannel, type PaymentStatus } from './payment';
import { idOfMember, indexBound, INDEX_MEMBER, type PaymentRepository } from './paymentRepository';

export interface ListQuery {
  status?: PaymentStatus;
  channel?: PaymentChannel;
  /** Inclusive, milliseconds since the epoch. */
  createdFromMs?: number;
  /** Exclusive, milliseconds since the epoch. */
  createdToMs?: number;
  limit: number;
  /** From a previous page's `nextCursor`. */
  cursor?: string;
}

export type ListOutcome = { ok: true; payments: Payment[]; nextCursor: string | null } | { ok: false; message: string };

/** Index members read per store round trip. */
const BATCH = 100;
/** Index members one page may look at; a page with filters that match little may end short, with a cursor. */
const MAX_SCANNED = 1000;
/** An index entry younger than this may belong to a payment whose record is still being written. */
const WRITE_GRACE_MS = 60_000;

/**
 * `GET /api/payments`: newest first over the creation-time index, filtered by status, channel and
 * creation range. The cursor is the last index member looked at, so a page never repeats or skips a
 * payment, whatever is created meanwhile (new payments sort above every cursor).
 */
export class PaymentListing {
  constructor(
    private readonly repository: PaymentRepository,
    private readonly clock: Clock,
  ) {}

  async list(query: ListQuery): Promise<ListOutcome> {
    let below = query.createdToMs === undefined ? undefined : indexBound(query.createdToMs);
    if (query.cursor !== undefined) {
      const member = decodeCursor(query.cursor);
      if (!member) return { ok: false, message: 'cursor: not a cursor this API gave out' };
      if (below === undefined || member < below) below = member;
    }
    const from = query.createdFromMs === undefined ? undefined : indexBound(query.createdFromMs);
    const now = this.clock.now();
    const found: Payment[] = [];
    let scanned = 0;
    let last: string | null = null;
    for (;;) {
      const count = Math.min(BATCH, MAX_SCANNED - scanned);
      const members = await this.repository.indexPage({ ...(below !== undefined ? { below } : {}), ...(from !== undefined ? { from } : {}), count });
      const payments = await Promise.all(members.map((m) => this.repository.get(idOfMember(m))));
      const gone: string[] = [];
      for (const [i, member] of members.entries()) {
        const payment = payments[i];
        scanned += 1;
        last = member;
        if (!payment) {
          if (now.getTime() - Number(member.slice(0, 15)) > WRITE_GRACE_MS) gone.push(member);
        } else if (matches(payment, query, now)) {
          found.push(payment);
          if (found.length === query.limit) break;
        }
      }
      if (gone.length > 0) await this.repository.forget(gone);
      if (found.length === query.limit) return { ok: true, payments: found, nextCursor: encodeCursor(last!) };
      if (members.length < count) return { ok: true, payments: found, nextCursor: null };
      if (scanned >= MAX_SCANNED) return { ok: true, payments: found, nextCursor: encodeCursor(last!) };
      below = last!;
    }
  }
}

function matches(p: Payment, query: ListQuery, now: Date): boolean {
  return (query.status === undefined || effectiveStatus(p, now) === query.status) && (query.channel === undefined || p.channel === query.channel);
}

function encodeCursor(member: string): string {
  return Buffer.from(member).toString('base64url');
}

function decodeCursor(cursor: string): string | null {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) return null;
  const member = Buffer.from(cursor, 'base64url').toString('utf8');
  return INDEX_MEMBER.test(member) ? member : null;
}
