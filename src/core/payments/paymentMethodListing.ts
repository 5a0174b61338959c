import type { KeyValueStore } from '../../ports/keyValueStore';
import { PAYMENT_METHOD_INDEX_KEY, PAYMENT_METHOD_INDEX_MEMBER, paymentMethodIdOfMember, type PaymentMethod } from './paymentMethod';

export interface PaymentMethodListQuery {
  /** Only cards attached to this processor customer (Stripe `cus_…`, the connector's customer). */
  customer?: string;
  limit: number;
  /** From a previous page's `nextCursor`. */
  cursor?: string;
}

export type PaymentMethodListOutcome = { ok: true; methods: PaymentMethod[]; nextCursor: string | null } | { ok: false; message: string };

/** Index members read per store round trip. */
const BATCH = 100;
/** Index members one page may look at; a filter that matches little may end a page short, with a cursor. */
const MAX_SCANNED = 1000;

/**
 * `GET /api/payment-methods`: saved cards newest first over their creation-time index, deleted ones
 * left out. The cursor is the last index member looked at, so a page never repeats or skips a card,
 * whatever is saved meanwhile (new cards sort above every cursor). Members whose record has gone
 * (past retention) are dropped from the index as they are met.
 */
export class PaymentMethodListing {
  constructor(
    private readonly store: KeyValueStore,
    private readonly read: (id: string) => Promise<PaymentMethod | null>,
  ) {}

  async list(query: PaymentMethodListQuery): Promise<PaymentMethodListOutcome> {
    let below: string | undefined;
    if (query.cursor !== undefined) {
      const member = decodeCursor(query.cursor);
      if (!member) return { ok: false, message: 'cursor: not a cursor this API gave out' };
      below = member;
    }
    const found: PaymentMethod[] = [];
    let scanned = 0;
    let last: string | null = null;
    for (;;) {
      const count = Math.min(BATCH, MAX_SCANNED - scanned);
      const members = await this.store.indexRange(PAYMENT_METHOD_INDEX_KEY, { ...(below !== undefined ? { below } : {}), count });
      const methods = await Promise.all(members.map((m) => this.read(paymentMethodIdOfMember(m))));
      const gone: string[] = [];
      for (const [i, member] of members.entries()) {
        const method = methods[i];
        scanned += 1;
        last = member;
        if (!method) gone.push(member);
        else if (!method.deletedAt && (query.customer === undefined || method.customer === query.customer)) {
          found.push(method);
          if (found.length === query.limit) break;
        }
      }
      if (gone.length > 0) await this.store.indexRemove(PAYMENT_METHOD_INDEX_KEY, gone);
      if (found.length === query.limit) return { ok: true, methods: found, nextCursor: encodeCursor(last!) };
      if (members.length < count) return { ok: true, methods: found, nextCursor: null };
      if (scanned >= MAX_SCANNED) return { ok: true, methods: found, nextCursor: encodeCursor(last!) };
      below = last!;
    }
  }
}

function encodeCursor(member: string): string {
  return Buffer.from(member).toString('base64url');
}

function decodeCursor(cursor: string): string | null {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) return null;
  const member = Buffer.from(cursor, 'base64url').toString('utf8');
  return PAYMENT_METHOD_INDEX_MEMBER.test(member) ? member : null;
}
