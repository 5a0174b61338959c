import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Logger } from '../../observability/logger';
import type { Clock } from '../../ports/clock';
import type { KeyValueStore } from '../../ports/keyValueStore';
import { RecordStore } from '../records/recordStore';
import { effectiveStatus, type Payment } from './payment';
import type { PaymentRepository } from './paymentRepository';

/** Pending payments by id, with when each runs out (ISO). */
interface ExpiryLedger {
  entries: Record<string, string>;
}

const storedLedgerSchema: z.ZodType<ExpiryLedger> = z.looseObject({ entries: z.record(z.string(), z.string()) });

/** The ledger is the key `payment-expiry:ledger`, the lease `payment-expiry:lease`. */
const LEDGER_ID = 'ledger';
const LEASE_KEY = 'payment-expiry:lease';
/** As long as the longest a payment can stay pending (PAYMENT_TTL_SECONDS' upper bound). */
const LEDGER_TTL_SECONDS = 30 * 86_400;

export interface PaymentExpiryOptions {
  intervalMs: number;
}

/**
 * Announces `payment.expired` when a pending payment's time runs out. Pending payments are noted in
 * one ledger in the shared store as they are created; every interval, the process that takes the
 * round's lease looks at those whose time is up. The announcement itself is a compare-and-set on the
 * payment (`expiryAnnounced`), so even two overlapping checks announce an expiry once.
 */
export class PaymentExpiry {
  private readonly ledgers: RecordStore<ExpiryLedger>;
  private readonly holder = randomBytes(8).toString('hex');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly store: KeyValueStore,
    private readonly payments: PaymentRepository,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: PaymentExpiryOptions,
  ) {
    this.ledgers = new RecordStore(store, { prefix: 'payment-expiry:', schema: storedLedgerSchema, ttlSeconds: LEDGER_TTL_SECONDS });
  }

  /** Notes a new pending payment, to be checked once its `expiresAt` has passed. */
  async track(payment: Pick<Payment, 'id' | 'expiresAt'>): Promise<void> {
    await this.ledgers.update(LEDGER_ID, (ledger) => ({ entries: { ...ledger?.entries, [payment.id]: payment.expiresAt } }));
  }

  /** Checks every interval until `stop`. */
  start(): void {
    this.stopped = false;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /**
   * One round, if this process wins its lease: announces every due payment still pending and drops
   * due entries from the ledger. Answers how many expiries it announced.
   */
  async checkOnce(): Promise<number> {
    const leaseSeconds = this.options.intervalMs / 1000;
    if ((await this.store.compareAndSet(LEASE_KEY, 0, this.holder, leaseSeconds)) === null) return 0;
    const now = this.clock.now();
    const ledger = (await this.ledgers.get(LEDGER_ID))?.value;
    const due = Object.entries(ledger?.entries ?? {})
      .filter(([, expiresAt]) => Date.parse(expiresAt) <= now.getTime())
      .map(([id]) => id);
    let announced = 0;
    const done: string[] = [];
    for (const id of due) {
      try {
        let changed = false;
        await this.payments.update(id, (p) => {
          changed = false;
          if (p.expiryAnnounced || effectiveStatus(p, now) !== 'expired') return null;
          changed = true;
          return { ...p, expiryAnnounced: true, updatedAt: now.toISOString() };
        });
        if (changed) announced += 1;
        done.push(id);
      } catch (error) {
        // Left in the ledger: the next round tries it again.
        this.logger.warn('payment expiry check failed', { paymentId: id, error });
      }
    }
    if (done.length > 0) {
      await this.ledgers.update(LEDGER_ID, (current) => {
        if (!current) return null;
        const entries = { ...current.entries };
        for (const id of done) delete entries[id];
        return { entries };
      });
    }
    return announced;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.checkOnce()
        .then(() => undefined)
        .catch((error: unknown) => {
          this.logger.warn('payment expiry check failed', { error });
        })
        .finally(() => this.schedule());
    }, this.options.intervalMs);
    // The check alone must not keep a stopping process alive.
    this.timer.unref();
  }
}
