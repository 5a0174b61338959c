import type { KeyValueStore, Versioned } from '../ports/keyValueStore';
import type { Payment } from './payment';

const MAX_CAS_TRIES = 8;

/** Payments and their pay codes in the key-value store; every write is a compare-and-set. */
export class PaymentRepository {
  constructor(
    private readonly store: KeyValueStore,
    /** How long a payment record is kept after its last change. */
    private readonly retentionSeconds: number,
  ) {}

  async get(id: string): Promise<Payment | null> {
    const found = await this.store.get(paymentKey(id));
    return found ? (JSON.parse(found.value) as Payment) : null;
  }

  /** Stores a new payment; fails if the id exists. */
  async create(payment: Payment): Promise<void> {
    const version = await this.store.compareAndSet(paymentKey(payment.id), 0, JSON.stringify(payment), this.retentionSeconds);
    if (version === null) throw new Error(`payment ${payment.id} already exists`);
  }

  /** Reserves a pay code for a payment until it expires; false when the code is taken. */
  async reservePayCode(payCode: string, paymentId: string, ttlSeconds: number): Promise<boolean> {
    return (await this.store.compareAndSet(payCodeKey(payCode), 0, paymentId, ttlSeconds)) !== null;
  }

  async findIdByPayCode(payCode: string): Promise<string | null> {
    const found = await this.store.get(payCodeKey(payCode));
    return found ? found.value : null;
  }

  async releasePayCode(payCode: string): Promise<void> {
    await this.store.delete(payCodeKey(payCode));
  }

  /** The stored record as read, for an `update` that is to start from it. */
  async read(id: string): Promise<Versioned<string> | null> {
    return this.store.get(paymentKey(id));
  }

  /**
   * Applies `change` atomically: re-reads and retries when another process wrote in between.
   * `change` returns null to leave the payment as it is. Resolves to the stored result.
   * `firstRead`, from `read`, stands for the first read: a stale one only costs a retry.
   */
  async update(id: string, change: (current: Payment) => Payment | null, firstRead?: Promise<Versioned<string> | null>): Promise<Payment | null> {
    for (let i = 0; i < MAX_CAS_TRIES; i += 1) {
      const found = i === 0 && firstRead ? await firstRead : await this.store.get(paymentKey(id));
      if (!found) return null;
      const current = JSON.parse(found.value) as Payment;
      const next = change(current);
      if (next === null) return current;
      const written = await this.store.compareAndSet(paymentKey(id), found.version, JSON.stringify(next), this.retentionSeconds);
      if (written !== null) return next;
    }
    throw new Error(`payment ${id}: too many concurrent updates`);
  }
}

function paymentKey(id: string): string {
  return `payment:${id}`;
}

function payCodeKey(code: string): string {
  return `paycode:${code}`;
}
