import { z } from 'zod';
import type { KeyValueStore } from '../ports/keyValueStore';
import { RecordStore } from '../core/records/recordStore';

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

const storedPayLinkSchema: z.ZodType<PayLinkRecord> = z.looseObject({
  paymentId: z.string(),
  expiresAt: z.string(),
  email: z.string().nullable(),
  mistakes: z.number(),
  createdAt: z.string(),
});

const storedLinkOfPaymentSchema: z.ZodType<PayLinkOfPayment> = z.looseObject({
  nonce: z.string(),
  tokenHash: z.string(),
});

/** Pay links in the key-value store. */
export class PayLinkRepository {
  private readonly links: RecordStore<PayLinkRecord>;
  private readonly ofPayments: RecordStore<PayLinkOfPayment>;

  constructor(store: KeyValueStore, retentionSeconds: number) {
    this.links = new RecordStore(store, { prefix: 'paylink:', schema: storedPayLinkSchema, ttlSeconds: retentionSeconds });
    this.ofPayments = new RecordStore(store, { prefix: 'paylink-of:', schema: storedLinkOfPaymentSchema, ttlSeconds: retentionSeconds });
  }

  async create(tokenHash: string, record: PayLinkRecord, nonce: string): Promise<void> {
    if ((await this.links.create(tokenHash, record)) === null) throw new Error('pay link already exists');
    await this.ofPayments.put(record.paymentId, { nonce, tokenHash });
  }

  async get(tokenHash: string): Promise<PayLinkRecord | null> {
    return (await this.links.get(tokenHash))?.value ?? null;
  }

  async ofPayment(paymentId: string): Promise<PayLinkOfPayment | null> {
    return (await this.ofPayments.get(paymentId))?.value ?? null;
  }

  /** Counts one refused submission; callers hold the link's lock, the compare-and-set guards the rest. */
  async countMistake(tokenHash: string): Promise<number> {
    const stored = await this.links.update(tokenHash, (record) => (record ? { ...record, mistakes: record.mistakes + 1 } : null));
    return stored?.value.mistakes ?? 0;
  }
}
