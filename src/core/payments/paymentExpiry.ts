import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Logger } from '../../observability/logger';
import type { Clock } from '../../ports/clock';
import type { KeyValueStore } from '../../ports/keyValueStore';
import { RecordStore } from '../records/recordStore';
import { effectiveStatus, type Payment } from './payment';
import type { PaymentRepository } from './paymentRepository';

/** What the previous release kept: one record of every pending payment, rewritten by each create. */
interface LegacyLedger {
  entries: Record<string, string>;
}

const legacyLedgerSchema: z.ZodType<LegacyLedger> = z.looseObject({ entries: z.record(z.string(), z.string()) });

/**
 * Pending payments are members `<expiresAt ISO>|<payment id>` of one ordered index, so the due ones
 * are a range read and a create is one add that never contends with another (the previous release's
 * single compare-and-set record made parallel creates retry against each other). ISO times of this
 * era are fixed width, so the members sort by time.
 */
const DUE_INDEX_KEY = 'payment-expiry:due';
const LEGACY_LEDGER_ID = 'ledger';
const LEASE_KEY = 'payment-expiry:lease';
/** As long as the longest a payment can stay pending (PAYMENT_TTL_SECONDS' upper bound). */
const INDEX_TTL_SECONDS = 30 * 86_400;
/** Due members read per range; a round reads ranges until none is left. */
const BATCH = 200;
/** Sorts after '|' and before any character of an id, so `<now>` + this bounds every member due by now. */
const AFTER_SEPARATOR = '}';

function member(paymentId: string, expiresAt: string): string {
  return `${new Date(expiresAt).toISOString()}|${paymentId}`;
}

function paymentIdOf(dueMember: string): string {
  return dueMember.slice(dueMember.indexOf('|') + 1);
}

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
  private readonly legacyLedgers: RecordStore<LegacyLedger>;
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
    this.legacyLedgers = new RecordStore(store, { prefix: 'payment-expiry:', schema: legacyLedgerSchema, ttlSeconds: INDEX_TTL_SECONDS });
  }

  /** Notes a new pending payment, to be checked once its `expiresAt` has passed. */
  async track(payment: Pick<Payment, 'id' | 'expiresAt'>): Promise<void> {
    await this.store.indexAdd(DUE_INDEX_KEY, member(payment.id, payment.expiresAt), INDEX_TTL_SECONDS);
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
    await this.adoptLegacyLedger();
    const now = this.clock.now();
    const dueBound = now.toISOString() + AFTER_SEPARATOR;
    let announced = 0;
    const failed = new Set<string>();
    for (;;) {
      const due = (await this.store.indexRange(DUE_INDEX_KEY, { below: dueBound, count: BATCH + failed.size })).filter((m) => !failed.has(m));
      if (due.length === 0) break;
      const done: string[] = [];
      for (const dueMember of due) {
        try {
          if (await this.announceIfExpired(paymentIdOf(dueMember), now)) announced += 1;
          done.push(dueMember);
        } catch (error) {
          // Left in the index: the next round tries it again.
          failed.add(dueMember);
          this.logger.warn('payment expiry check failed', { paymentId: paymentIdOf(dueMember), error });
        }
      }
      await this.store.indexRemove(DUE_INDEX_KEY, done);
      if (done.length === 0) break;
    }
    return announced;
  }

  /** Marks the payment's expiry announced (which emits `payment.expired`) unless it already is or it did not expire. */
  private async announceIfExpired(paymentId: string, now: Date): Promise<boolean> {
    let changed = false;
    await this.payments.update(paymentId, (p) => {
      changed = false;
      if (p.expiryAnnounced || effectiveStatus(p, now) !== 'expired') return null;
      changed = true;
      return { ...p, expiryAnnounced: true, updatedAt: now.toISOString() };
    });
    return changed;
  }

  /** Moves the entries of the previous release's single ledger record into the index, once. */
  private async adoptLegacyLedger(): Promise<void> {
    const legacy = await this.legacyLedgers.get(LEGACY_LEDGER_ID);
    if (!legacy) return;
    for (const [paymentId, expiresAt] of Object.entries(legacy.value.entries)) {
      if (!Number.isNaN(Date.parse(expiresAt))) await this.store.indexAdd(DUE_INDEX_KEY, member(paymentId, expiresAt), INDEX_TTL_SECONDS);
    }
    await this.legacyLedgers.delete(LEGACY_LEDGER_ID);
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
