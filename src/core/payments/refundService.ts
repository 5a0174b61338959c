import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseAmount } from '../domain/money';
import type { Clock } from '../../ports/clock';
import type { KeyValueStore } from '../../ports/keyValueStore';
import type { Processor } from '../../ports/processor';
import { RecordStore } from '../records/recordStore';
import { effectiveStatus, type Payment } from './payment';
import type { PaymentRepository } from './paymentRepository';
import { formatMinor, refundedMinor, type Refund } from './refund';

export interface RefundInput {
  paymentId: string;
  /** Decimal string; absent refunds whatever remains. */
  amount?: string;
  /** The client's Idempotency-Key header; absent makes every request a new refund. */
  idempotencyKey?: string;
}

export type RefundOutcome =
  | { ok: true; payment: Payment; refund: Refund; replayed: boolean }
  | { ok: false; status: number; code: string; message: string };

/** What an Idempotency-Key is bound to while its refund runs and after. */
interface KeyRecord {
  refundId: string;
  /** The request the key was first used with, normalised ("full" or minor units). */
  request: string;
  state: 'pending' | 'done';
  claimedAt: number;
}

const storedKeyRecordSchema: z.ZodType<KeyRecord> = z.looseObject({
  refundId: z.string(),
  request: z.string(),
  state: z.enum(['pending', 'done']),
  claimedAt: z.number(),
});

export interface RefundServiceOptions {
  /** A pending key older than this is taken to belong to a crashed process and is resumed. */
  staleAfterMs?: number;
  /** How long a duplicate request waits for the same key's refund in flight. */
  waitMs?: number;
  /** How long an Idempotency-Key is remembered. */
  keyTtlSeconds?: number;
}

const POLL_MS = 50;

/**
 * Refunds succeeded payments through the processor: never more than remains (the amount is
 * reserved on the payment with compare-and-set before the processor is asked), and one refund per
 * Idempotency-Key however often, or however concurrently, the request is repeated.
 */
export class RefundService {
  private readonly staleAfterMs: number;
  private readonly waitMs: number;
  private readonly keys: RecordStore<KeyRecord>;

  constructor(
    private readonly payments: PaymentRepository,
    store: KeyValueStore,
    private readonly processor: Processor,
    private readonly clock: Clock,
    options: RefundServiceOptions = {},
  ) {
    this.staleAfterMs = options.staleAfterMs ?? 60_000;
    this.waitMs = options.waitMs ?? 10_000;
    this.keys = new RecordStore(store, { prefix: 'refund-key:', schema: storedKeyRecordSchema, ttlSeconds: options.keyTtlSeconds ?? 86_400 });
  }

  /** Refunds all or part of a payment; the outcome names the HTTP status a refusal deserves. */
  async refund(input: RefundInput): Promise<RefundOutcome> {
    if (!this.processor.refund) {
      return refused(409, 'refunds_unsupported', `The ${this.processor.name} processor cannot refund payments.`);
    }
    const payment = await this.payments.get(input.paymentId);
    if (!payment) return refused(404, 'not_found', `No payment with id "${input.paymentId}".`);
    let requested: number | null = null;
    if (input.amount !== undefined) {
      const parsed = parseAmount(input.amount, payment.currency);
      if (!parsed.ok) return refused(400, 'invalid_amount', `amount: ${parsed.message.replace(/^amount /, '')}`);
      requested = parsed.minor;
    }
    const fingerprint = requested === null ? 'full' : String(requested);
    if (input.idempotencyKey === undefined) return this.start(payment.id, requested, newRefundId());

    const key = keyOf(payment.id, input.idempotencyKey);
    const deadline = Date.now() + this.waitMs;
    for (;;) {
      const found = await this.keys.get(key);
      if (!found) {
        const record: KeyRecord = { refundId: newRefundId(), request: fingerprint, state: 'pending', claimedAt: Date.now() };
        const version = await this.keys.create(key, record);
        if (version === null) continue;
        const outcome = await this.start(payment.id, requested, record.refundId);
        // A refusal changed nothing, so the key is given back for a corrected request.
        if (!outcome.ok) await this.keys.delete(key);
        else await this.keys.compareAndSet(key, version, { ...record, state: 'done' });
        return outcome;
      }
      const record = found.value;
      if (record.request !== fingerprint) {
        return refused(422, 'idempotency_key_reused', 'Idempotency-Key was already used for a refund of a different amount.');
      }
      if (record.state === 'done') return this.replay(payment.id, record.refundId);
      if (Date.now() - record.claimedAt > this.staleAfterMs) {
        // The process that claimed the key is gone: take it over and finish the same refund.
        const claimed: KeyRecord = { ...record, claimedAt: Date.now() };
        const version = await this.keys.compareAndSet(key, found.version, claimed);
        if (version === null) continue;
        const outcome = await this.start(payment.id, requested, record.refundId);
        if (outcome.ok) await this.keys.compareAndSet(key, version, { ...claimed, state: 'done' });
        return outcome;
      }
      if (Date.now() >= deadline) return refused(409, 'refund_in_progress', 'A refund with this Idempotency-Key is still being processed.');
      await sleep(POLL_MS);
    }
  }

  /** Reserves the amount on the payment (or finds the reservation of an earlier try), then asks the processor. */
  private async start(paymentId: string, requested: number | null, refundId: string): Promise<RefundOutcome> {
    const now = this.clock.now();
    let refusal: RefundOutcome | null = null;
    let refund: Refund | null = null;
    const reserved = await this.payments.update(paymentId, (p) => {
      refusal = null;
      refund = p.refunds?.find((r) => r.id === refundId) ?? null;
      if (refund) return null;
      if (effectiveStatus(p, now) !== 'succeeded' || !(p.processorReference ?? p.reference)) {
        refusal = refused(409, 'payment_not_refundable', `Only succeeded payments can be refunded; this one is ${effectiveStatus(p, now)}.`);
        return null;
      }
      // A partly captured authorisation can give back only what was taken.
      const remaining = (p.amountCapturedMinor ?? p.amountMinor) - refundedMinor(p.refunds);
      const amountMinor = requested ?? remaining;
      if (amountMinor <= 0) {
        refusal = refused(409, 'payment_fully_refunded', 'Nothing of this payment remains to be refunded.');
        return null;
      }
      if (amountMinor > remaining) {
        refusal = refused(409, 'amount_exceeds_remaining', `amount: at most ${formatMinor(remaining, p.currency)} ${p.currency} remains to be refunded.`);
        return null;
      }
      // The processor's own units decide, as they did when the payment was created: never rounded.
      const units = this.processor.units(formatMinor(amountMinor, p.currency), p.currency);
      if (!units.ok) {
        refusal = refused(400, 'invalid_amount', `amount: ${units.message}`);
        return null;
      }
      refund = {
        id: refundId,
        amount: formatMinor(amountMinor, p.currency),
        amountMinor,
        status: 'pending',
        reference: null,
        failure: null,
        createdAt: now.toISOString(),
        updatedAt: now.toISOString(),
      };
      return { ...p, refunds: [...(p.refunds ?? []), refund], updatedAt: now.toISOString() };
    });
    if (!reserved) return refused(404, 'not_found', `No payment with id "${paymentId}".`);
    const refusedWith = refusal as RefundOutcome | null;
    if (refusedWith) return refusedWith;
    const pending = refund as Refund | null;
    if (!pending) throw new Error(`payment ${paymentId}: refund ${refundId} neither found nor reserved`);
    if (pending.status !== 'pending') return { ok: true, payment: reserved, refund: pending, replayed: true };

    const result = await this.processor.refund!({
      paymentId,
      paymentReference: (reserved.processorReference ?? reserved.reference)!,
      amount: pending.amount,
      currency: reserved.currency,
      idempotencyKey: `${paymentId}-${refundId}`,
    });
    const answered: Partial<Refund> =
      result.outcome === 'approved'
        ? { status: result.status, reference: result.reference, failure: null }
        : { status: 'failed', failure: { code: result.code, message: result.message } };
    const at = this.clock.now().toISOString();
    const saved = await this.payments.update(paymentId, (p) => ({
      ...p,
      refunds: (p.refunds ?? []).map((r) => (r.id === refundId ? { ...r, ...answered, updatedAt: at } : r)),
      updatedAt: at,
    }));
    const final = saved?.refunds?.find((r) => r.id === refundId);
    if (!saved || !final) throw new Error(`payment ${paymentId}: refund ${refundId} vanished`);
    return { ok: true, payment: saved, refund: final, replayed: false };
  }

  private async replay(paymentId: string, refundId: string): Promise<RefundOutcome> {
    const payment = await this.payments.get(paymentId);
    const refund = payment?.refunds?.find((r) => r.id === refundId);
    if (!payment || !refund) return refused(404, 'not_found', `No refund "${refundId}" on payment "${paymentId}".`);
    return { ok: true, payment, refund, replayed: true };
  }
}

function refused(status: number, code: string, message: string): RefundOutcome {
  return { ok: false, status, code, message };
}

/** "re_" and 24 hex characters of randomness. */
function newRefundId(): string {
  return `re_${randomBytes(12).toString('hex')}`;
}

/** The client's key is hashed: it is theirs to choose and could be long or odd. Stored under `refund-key:`. */
function keyOf(paymentId: string, idempotencyKey: string): string {
  return `${paymentId}:${createHash('sha256').update(idempotencyKey).digest('hex')}`;
}
