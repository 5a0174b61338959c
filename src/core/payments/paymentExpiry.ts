import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Logger } from '../../observability/logger';
import type { Clock } from '../../ports/clock';
import type { KeyValueStore } from '../../ports/keyValueStore';
import { RecordStore } from '../records/recordStore';
import { effectiveStatus, type Payment } from './payment';
import type { PaymentRepository } from './paymentRepository';

/** What releases before the ordered index kept: every pending payment by id, with when it runs out (ISO). */
interface LegacyLedger {
  entries: Record<string, string>;
}

const storedLegacyLedgerSchema: z.ZodType<LegacyLedger> = z.looseObject({ entries: z.record(z.string(), z.string()) });

/**
 * Pending payments are members of the ordered index `payment-expiry:due`, `<expiresAt ms>:<id>`, so a
 * payment's creation adds one member (not a rewrite of every pending payment) and a check reads only
 * the members already due. The lease is `payment-expiry:lease`.
 */
const INDEX_KEY = 'payment-expiry:due';
/** Where releases before the index kept one document of every pending payment: `payment-expiry:ledger`. */
const LEGACY_LEDGER_ID = 'ledger';
const LEASE_KEY = 'payment-expiry:lease';
/** As long as the longest a payment can stay pending (PAYMENT_TTL_SECONDS' upper bound). */
const LEDGER_TTL_SECONDS = 30 * 86_400;
/** Members read per check; more due payments than this wait for the next round. */
const CHECK_BATCH = 500;
/** Digits of the time prefix: fixed width, so members sort by time (ms since 1970 has 13 until 2286). */
const TIME_DIGITS = 15;

export interface PaymentExpiryOptions {
  intervalMs: number;
  /** Cancels a manual-capture payment whose authorisation ran out (`AuthorizationService.expire`); true when it did. */
  expireAuthorization?: (paymentId: string) => Promise<boolean>;
}

/**
 * Announces `payment.expired` when a pending payment's time runs out. Pending payments are noted in
 * one ledger in the shared store as they are created; every interval, the process that takes the
 * round's lease looks at those whose time is up. The announcement itself is a compare-and-set on the
 * payment (`expiryAnnounced`), so even two overlapping checks announce an expiry once.
 */
export class PaymentExpiry {
  private readonly legacy: RecordStore<LegacyLedger>;
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
    this.legacy = new RecordStore(store, { prefix: 'payment-expiry:', schema: storedLegacyLedgerSchema, ttlSeconds: LEDGER_TTL_SECONDS });
  }

  /**
   * Notes a new pending payment, to be checked once its `expiresAt` has passed; an authorised one is
   * noted again with its authorisation's end (the earlier member then finds it no longer pending). One
   * index member: the cost does not grow with the number of pending payments, and concurrent creations
   * never collide.
   */
  async track(payment: Pick<Payment, 'id' | 'expiresAt'>): Promise<void> {
    await this.store.indexAdd(INDEX_KEY, dueMember(Date.parse(payment.expiresAt), payment.id), LEDGER_TTL_SECONDS);
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
    await this.adoptLegacyLedger();
    // Members sorting below the bound of the next millisecond: every payment whose time is up.
    const due = await this.store.indexRange(INDEX_KEY, { below: timeBound(now.getTime() + 1), count: CHECK_BATCH });
    let announced = 0;
    const done: string[] = [];
    for (const member of due) {
      const id = member.slice(TIME_DIGITS + 1);
      try {
        if (this.options.expireAuthorization && (await this.options.expireAuthorization(id))) announced += 1;
        let changed = false;
        await this.payments.update(id, (p) => {
          changed = false;
          if (p.expiryAnnounced || effectiveStatus(p, now) !== 'expired') return null;
          changed = true;
          return { ...p, expiryAnnounced: true, updatedAt: now.toISOString() };
        });
        if (changed) announced += 1;
        done.push(member);
      } catch (error) {
        // Left in the ledger: the next round tries it again.
        this.logger.warn('payment expiry check failed', { paymentId: id, error });
      }
    }
    await this.store.indexRemove(INDEX_KEY, done);
    return announced;
  }

  /** Moves what an earlier release left in its one-document ledger into the index. */
  private async adoptLegacyLedger(): Promise<void> {
    const found = await this.legacy.get(LEGACY_LEDGER_ID);
    if (!found || Object.keys(found.value.entries).length === 0) return;
    const moved = Object.entries(found.value.entries);
    for (const [id, expiresAt] of moved) {
      await this.store.indexAdd(INDEX_KEY, dueMember(Date.parse(expiresAt), id), LEDGER_TTL_SECONDS);
    }
    // Only what was moved leaves: a process of the earlier release may still be adding to the document.
    await this.legacy.update(LEGACY_LEDGER_ID, (ledger) => {
      if (!ledger) return null;
      for (const [id] of moved) delete ledger.entries[id];
      return ledger;
    });
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

/** The index member of a payment running out at `ms`. */
function dueMember(ms: number, id: string): string {
  return `${timeBound(ms)}:${id}`;
}

/** The bound sorting just before every member due at `ms` or later. */
function timeBound(ms: number): string {
  return String(Math.max(0, Math.floor(ms))).padStart(TIME_DIGITS, '0');
}
