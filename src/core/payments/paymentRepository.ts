import { z } from 'zod';
import type { CasWrite, KeyValueStore, Versioned } from '../../ports/keyValueStore';
import { RecordStore } from '../records/recordStore';
import { storedCardSchema, storedFailureSchema } from '../records/recordSchemas';
import type { Payment } from './payment';
import { debitAuthorizationFields } from './debitAuthorization';
import { numberEvents, readAheadOf, type CommittedHandler, type PaymentEvent, type PaymentEventSink } from './paymentEvents';

const storedRefundSchema = z.looseObject({
  id: z.string(),
  amount: z.string(),
  amountMinor: z.number(),
  status: z.enum(['pending', 'succeeded', 'failed']),
  reference: z.string().nullable(),
  failure: z.object({ code: z.string(), message: z.string() }).nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

/**
 * A payment as stored; `refunds` is absent on payments never refunded. Records of earlier releases
 * have no `processorReference`: their `reference` was the processor's id, so it is read as both.
 */
export const storedPaymentSchema: z.ZodType<Payment, unknown> = z
  .looseObject({
  id: z.string(),
  status: z.enum(['pending', 'capturing', 'processing', 'authorized', 'succeeded', 'failed', 'canceled']),
  amount: z.string(),
  amountMinor: z.number(),
  currency: z.string(),
  channel: z.enum(['phone', 'link']),
  description: z.string().nullable(),
  locale: z.string(),
  flowId: z.string(),
  payCode: z.string(),
  callSid: z.string().nullable(),
  card: storedCardSchema.nullable(),
  expiryCaptured: z.boolean(),
  securityCodeCaptured: z.boolean(),
  postalCodeCaptured: z.boolean().optional(),
  reference: z.string().nullable(),
  processorReference: z.string().nullable().optional(),
  shortReference: z.string().optional(),
  capture: z.enum(['automatic', 'manual']).optional(),
  amountCaptured: z.string().optional(),
  amountCapturedMinor: z.number().optional(),
  authorizationExpiresAt: z.string().optional(),
  settling: z.looseObject({ kind: z.enum(['capture', 'void']), amountMinor: z.number(), startedAt: z.string() }).optional(),
  failure: storedFailureSchema.nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  expiresAt: z.string(),
  projectedVersion: z.number(),
  refunds: z.array(storedRefundSchema).optional(),
  eventSequence: z.number().optional(),
  expiryAnnounced: z.boolean().optional(),
  // Absent on payments written before live-call payments: those end the call with the capture.
  returnUrl: z.string().nullable().optional(),
  receiptEmail: z.string().optional(),
  method: z.literal('ach').optional(),
  accountHolderName: z.string().optional(),
  bankAccount: z.looseObject({ last4: z.string().regex(/^[0-9]{4}$/), accountType: z.enum(['checking', 'savings']).nullable() }).nullable().optional(),
  debitAuthorization: z.looseObject(debitAuthorizationFields).nullable().optional(),
  })
  .transform(({ processorReference, ...p }) => ({ ...p, processorReference: processorReference === undefined ? p.reference : processorReference }));

/** Payments and their pay codes in the key-value store; every write is a compare-and-set. */
export class PaymentRepository {
  private readonly records: RecordStore<Payment>;

  constructor(
    private readonly store: KeyValueStore,
    /** How long a payment record is kept after its last change. */
    private readonly retentionSeconds: number,
    /** Told of every event a committed change announces; none when nobody listens. */
    private readonly events?: PaymentEventSink,
  ) {
    this.records = new RecordStore(store, { prefix: 'payment:', schema: storedPaymentSchema, ttlSeconds: retentionSeconds });
  }

  async get(id: string): Promise<Payment | null> {
    return (await this.records.get(id))?.value ?? null;
  }

  /**
   * The payment as this process last wrote it, or null: a guess at what the store holds (another
   * process may have written it since), for what a guess is good for (see `PaymentTerms`).
   */
  lastWritten(id: string): Payment | null {
    return this.records.lastWritten(id)?.value ?? null;
  }

  /**
   * Stores a new payment; fails if the id exists. Its index entry goes first: an entry whose record
   * never came is skipped by listings, while a record without an entry would never be listed.
   */
  async create(payment: Payment): Promise<void> {
    const createdMs = Date.parse(payment.createdAt);
    await this.store.indexAdd(INDEX_KEY, indexMember(createdMs, payment.id), this.retentionSeconds, indexBound(createdMs - this.retentionSeconds * 1000));
    if ((await this.records.create(payment.id, payment)) === null) throw new Error(`payment ${payment.id} already exists`);
  }

  /** Index members (creation time and id), newest first, below `below` and from `from` when given. */
  indexPage(options: { below?: string; from?: string; count: number }): Promise<string[]> {
    return this.store.indexRange(INDEX_KEY, options);
  }

  /** Drops index members whose records are gone (expired). */
  async forget(members: string[]): Promise<void> {
    await this.store.indexRemove(INDEX_KEY, members);
  }

  /** Reserves a pay code for a payment until it expires; false when the code is taken. */
  async reservePayCode(payCode: string, paymentId: string, ttlSeconds: number): Promise<boolean> {
    return (await this.store.compareAndSet(payCodeKey(payCode), 0, paymentId, ttlSeconds)) !== null;
  }

  async findIdByPayCode(payCode: string): Promise<string | null> {
    const found = await this.store.get(payCodeKey(payCode));
    return found ? found.value : null;
  }

  /** Reserves a short reference for good (as long as payments are kept); false when another payment holds it. */
  async reserveReference(reference: string, paymentId: string): Promise<boolean> {
    return (await this.store.compareAndSet(`reference:${reference}`, 0, paymentId, this.retentionSeconds)) !== null;
  }

  async releasePayCode(payCode: string): Promise<void> {
    await this.store.delete(payCodeKey(payCode));
  }

  /** The stored record as read, for an `update` that is to start from it. */
  read(id: string): Promise<Versioned<string> | null> {
    return this.records.read(id);
  }

  /**
   * Applies `change` atomically: re-reads and retries when another process wrote in between.
   * `change` returns null to leave the payment as it is. Resolves to the stored result.
   * `firstRead`, from `read`, stands for the first read: a stale one only costs a retry.
   *
   * This is where every change of a payment is committed, so it is where its events are numbered:
   * the sequence is written with the change by the same compare-and-set, so of parallel writers (and
   * processes) only the one whose transition is stored announces it, once.
   */
  async update(id: string, change: (current: Payment) => Payment | null, firstRead?: Promise<Versioned<string> | null>): Promise<Payment | null> {
    let announced: PaymentEvent[] = [];
    let announce: CommittedHandler | undefined;
    const stored = await this.records.update(
      id,
      (current) => {
        announced = [];
        const next = current ? change(current) : null;
        if (!current || !next) return null;
        const numbered = numberEvents(current, next);
        announced = numbered.events;
        return numbered.payment;
      },
      firstRead,
      // The sinks' reads (the webhook endpoints) leave with the write that announces: no round trip of their own.
      () => void (announce = announced.length > 0 && this.events ? readAheadOf(this.events) : undefined),
    );
    // The record store calls `sent` after every write it hands over, so the stored one set `announce`.
    if (stored && announced.length > 0) await announce?.(stored.value, announced);
    return stored?.value ?? null;
  }

  /**
   * Prepares `change` (as `update` takes it) against the payment as this process last wrote it, so
   * that its compare-and-set can leave with another record's commit: on the turn after this
   * process's own write (most turns of a call), the change costs no read and no round trip of its
   * own. Its events are numbered from that copy, and announced only once the store took the write.
   */
  prepareUpdate(id: string, change: (current: Payment) => Payment | null): PreparedPaymentChange {
    const known = this.records.lastWritten(id);
    const next = known ? change(known.value) : null;
    if (!known || !next) {
      // Nothing to write from what this process knows: the payment is read with the commit instead.
      return { write: { key: this.records.key(id) }, sent: () => undefined, finish: ({ found }) => this.update(id, change, Promise.resolve(found)) };
    }
    const numbered = numberEvents(known.value, next);
    const write = this.records.prepare(id, known.version, numbered.payment);
    let announce: CommittedHandler | undefined;
    return {
      write,
      sent: () => {
        if (numbered.events.length > 0 && this.events) announce = readAheadOf(this.events);
      },
      finish: async ({ version, found }) => {
        if (version === null) return this.update(id, change, Promise.resolve(found));
        this.records.noteWritten(write, version);
        // A caller that never called `sent` still announces: the sinks read now instead.
        if (numbered.events.length > 0 && this.events) await (announce ?? readAheadOf(this.events))(numbered.payment, numbered.events);
        return numbered.payment;
      },
    };
  }
}

/**
 * A change of a payment prepared without reading it, to travel with another record's commit: the
 * other record's `compareAndSetWith` sends `write`, and `finish` completes the change with the answer.
 */
export interface PreparedPaymentChange {
  /** The compare-and-set from this process's last write of the payment; a read of it when there is none. */
  write: CasWrite | { key: string };
  /**
   * To be called right after `write` is handed to the store: the reads of the events' sinks (the
   * webhook endpoints) start then, so that they leave in the write's round trip and come after it.
   */
  sent(): void;
  /**
   * Completes the change: the write was stored (its events are announced), or it was not (the guess
   * was stale, or there was none) and the change is applied to what the store holds, as `update`
   * does, starting from `found` instead of a read. Resolves to the stored result.
   */
  finish(answer: { version: number | null; found: Versioned<string> | null }): Promise<Payment | null>;
}

/** Every payment of this gateway (its key prefix), by creation time: one store key, cluster-safe. */
const INDEX_KEY = 'payments:index';
const TIME_DIGITS = 15;

/** An index member: the creation time, fixed-width so that byte order is time order, then the id. */
export function indexMember(createdMs: number, id: string): string {
  return `${indexBound(createdMs)}:${id}`;
}

/** The bound sorting just before every member created at `ms` or later. */
export function indexBound(ms: number): string {
  return String(Math.max(0, Math.floor(ms))).padStart(TIME_DIGITS, '0');
}

/** The payment id of an index member. */
export function idOfMember(member: string): string {
  return member.slice(TIME_DIGITS + 1);
}

export const INDEX_MEMBER = /^[0-9]{15}:pay_[a-z0-9]{10,40}$/;

function payCodeKey(code: string): string {
  return `paycode:${code}`;
}
