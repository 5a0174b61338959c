import type { KeyValueStore } from '../ports/keyValueStore';

/** A pay link as stored, under the hash of its token: never the token itself. */
export interface PayLinkRecord {
  paymentId: string;
  expiresAt: string;
  /** Where the receipt goes; null when the business gave no address. */
  email: string | null;
  /** Submissions refused for a wrong entry; past the flow's tries the link locks. */
  mistakes: number;
  createdAt: string;
}

/** What a payment remembers of its link, so the API can show the same `payUrl` again. */
export interface PayLinkOfPayment {
  nonce: string;
  tokenHash: string;
}

/** Pay links in the key-value store. */
export class PayLinkRepository {
  constructor(
    private readonly store: KeyValueStore,
    private readonly retentionSeconds: number,
  ) {}

  async create(tokenHash: string, record: PayLinkRecord, nonce: string): Promise<void> {
    const value: PayLinkOfPayment = { nonce, tokenHash };
    if ((await this.store.compareAndSet(linkKey(tokenHash), 0, JSON.stringify(record), this.retentionSeconds)) === null) {
      throw new Error('pay link already exists');
    }
    await this.store.set(ofPaymentKey(record.paymentId), JSON.stringify(value), this.retentionSeconds);
  }

  async get(tokenHash: string): Promise<PayLinkRecord | null> {
    const found = await this.store.get(linkKey(tokenHash));
    return found ? (JSON.parse(found.value) as PayLinkRecord) : null;
  }

  async ofPayment(paymentId: string): Promise<PayLinkOfPayment | null> {
    const found = await this.store.get(ofPaymentKey(paymentId));
    return found ? (JSON.parse(found.value) as PayLinkOfPayment) : null;
  }

  /** Counts one refused submission; callers hold the link's lock, the compare-and-set guards the rest. */
  async countMistake(tokenHash: string): Promise<number> {
    for (let i = 0; i < 5; i += 1) {
      const found = await this.store.get(linkKey(tokenHash));
      if (!found) return 0;
      const record = JSON.parse(found.value) as PayLinkRecord;
      const next = { ...record, mistakes: record.mistakes + 1 };
      if ((await this.store.compareAndSet(linkKey(tokenHash), found.version, JSON.stringify(next), this.retentionSeconds)) !== null) {
        return next.mistakes;
      }
    }
    throw new Error('pay link: too many concurrent updates');
  }
}

function linkKey(tokenHash: string): string {
  return `paylink:${tokenHash}`;
}

function ofPaymentKey(paymentId: string): string {
  return `paylink-of:${paymentId}`;
}
