import type { Clock } from '../../ports/clock';
import type { KeyValueStore } from '../../ports/keyValueStore';
import type { ChargeLookUp, ChargeResult, Processor, SaveCardResult, SaveLookUp } from '../../ports/processor';
import type { Sealer } from '../../ports/vault';
import type { CardBrand } from '../domain/cardBrand';
import { PendingCharges } from '../capture/pendingCharges';
import { RecordStore } from '../records/recordStore';
import {
  newSavedCardReference,
  PAYMENT_METHOD_INDEX_KEY,
  paymentMethodIdOf,
  paymentMethodIndexBound,
  paymentMethodIndexMember,
  storedPaymentMethodSchema,
  type PaymentMethod,
} from './paymentMethod';
import { z } from 'zod';
import { PaymentMethodListing } from './paymentMethodListing';

export interface SaveFromCapture {
  /** One-time vault token of the captured card. */
  token: string;
  paymentId: string;
  callSid: string;
  card: { brand: CardBrand; last4: string };
  /** The attempt's key: a retry of the same save reuses the reference and the processor's answer. */
  idempotencyKey: string;
  /**
   * The payment's short reference (unique, reserved at its creation), which names the saved card;
   * a payment of an earlier release has none, and gets a fresh 12-digit one.
   */
  reference?: string;
}

/**
 * What an off-session charge came to: the processor's answer, or `result: null` when its answer was
 * lost (the processor may hold the charge), for the pending-charge reconciler to look up.
 */
export type SavedChargeOutcome = { ok: true; result: ChargeResult | null; method: PaymentMethod } | { ok: false; reason: 'not_found' | 'other_processor' | 'unsupported' | 'deleted' };

/** What a deletion came to: the record as marked deleted (the same for a repeated deletion), or why not. */
export type DeleteOutcome =
  | { ok: true; method: PaymentMethod }
  | { ok: false; reason: 'not_found' | 'other_processor' | 'unsupported' }
  | { ok: false; reason: 'processor_failed'; message: string };

/**
 * Saved cards: turns a captured card into a processor token (answered to the capture as an approval
 * whose reference names the new payment method) and charges saved cards off-session.
 */
/**
 * When an off-session charge whose answer was lost is first looked up: after the processor client's
 * own time-outs and retries (Stripe: 30 s × 3) are over, so the look-up does not race the charge.
 */
const OFF_SESSION_FIRST_LOOK_UP_MS = 2 * 60_000;

export class PaymentMethodService {
  private readonly records: RecordStore<PaymentMethod>;
  /** The reference each save attempt took, so a retry names the same payment method. */
  private readonly references: RecordStore<string>;
  /** For the creation-time index that `GET /api/payment-methods` pages through. */
  private readonly store: KeyValueStore;
  /** Off-session charges wait for their answer on the same ledger as phone charges. */
  private readonly pendingCharges: PendingCharges;
  /** Saved cards newest first, for `GET /api/payment-methods`. */
  readonly listing: PaymentMethodListing;

  constructor(
    store: KeyValueStore,
    private readonly sealer: Sealer,
    private readonly processor: Pick<Processor, 'name' | 'saveCard' | 'chargeSaved' | 'deleteSaved' | 'lookUpSave'>,
    private readonly clock: Clock,
    /** How long a saved card is kept after it is saved. */
    private readonly retentionSeconds: number,
  ) {
    this.store = store;
    this.pendingCharges = new PendingCharges(store);
    this.listing = new PaymentMethodListing(store, (id) => this.get(id));
    this.records = new RecordStore(store, { prefix: 'payment-method:', schema: storedPaymentMethodSchema, ttlSeconds: retentionSeconds });
    this.references = new RecordStore(store, { prefix: 'payment-method-save:', schema: z.string(), ttlSeconds: 86_400 });
  }

  /** Whether the configured processor can save cards and charge them later. */
  get supported(): boolean {
    return typeof this.processor.saveCard === 'function' && typeof this.processor.chargeSaved === 'function';
  }

  async get(id: string): Promise<PaymentMethod | null> {
    return (await this.records.get(id))?.value ?? null;
  }

  /**
   * Saves the captured card with the processor. Approved: the reference is the new payment method's
   * digits; declined: the processor's reason, as for a charge. Never throws for a processor failure.
   */
  async saveFromCapture(request: SaveFromCapture): Promise<ChargeResult> {
    if (!this.processor.saveCard) return { outcome: 'declined', code: 'processing_error', message: 'This processor cannot save cards.' };
    const reference = request.reference ?? (await this.referenceFor(request.idempotencyKey));
    let result: SaveCardResult;
    try {
      result = await this.processor.saveCard({ token: request.token, paymentId: request.paymentId, idempotencyKey: request.idempotencyKey, callSid: request.callSid });
    } catch {
      result = { outcome: 'declined', code: 'processing_error', message: 'The card could not be saved.' };
    }
    if (result.outcome === 'declined') return result;
    await this.keep(reference, request, result);
    return { outcome: 'approved', reference };
  }

  /**
   * Asks the processor what became of a save whose answer was lost (the pending-charge ledger's
   * follow-up): a save it holds is kept as the answer would have kept it, under the same reference;
   * `unknown` is asked again later. Never throws for a processor failure.
   */
  async lookUpSave(request: Omit<SaveFromCapture, 'token' | 'callSid'>): Promise<ChargeLookUp> {
    if (!this.processor.lookUpSave) return { outcome: 'unknown' };
    let found: SaveLookUp;
    try {
      found = await this.processor.lookUpSave({ paymentId: request.paymentId, idempotencyKey: request.idempotencyKey });
    } catch {
      return { outcome: 'unknown' };
    }
    if (found.outcome !== 'saved') return found;
    const reference = request.reference ?? (await this.referenceFor(request.idempotencyKey));
    await this.keep(reference, request, found);
    return { outcome: 'approved', reference };
  }

  /** Stores the saved card under its reference and indexes it; a retry finds it there and leaves it as first written. */
  private async keep(
    reference: string,
    request: Pick<SaveFromCapture, 'paymentId' | 'card'>,
    saved: { customer: string | null; paymentMethod: string; expiry: { month: number; year: number } | null },
  ): Promise<void> {
    const id = paymentMethodIdOf(reference);
    const method: PaymentMethod = {
      id,
      processor: this.processor.name,
      customer: saved.customer,
      sealedToken: this.sealer.seal(id, saved.paymentMethod),
      card: { brand: request.card.brand, last4: request.card.last4 },
      expMonth: saved.expiry?.month ?? null,
      expYear: saved.expiry?.year ?? null,
      paymentId: request.paymentId,
      createdAt: this.clock.now().toISOString(),
    };
    if ((await this.records.create(id, method)) === null && !(await this.records.get(id))) throw new Error('payment method could not be stored');
    const createdMs = Date.parse((await this.get(id))?.createdAt ?? method.createdAt);
    // Listed from the index; re-adding the member of a retried save changes nothing.
    await this.store.indexAdd(PAYMENT_METHOD_INDEX_KEY, paymentMethodIndexMember(createdMs, id), this.retentionSeconds, paymentMethodIndexBound(this.clock.now().getTime() - this.retentionSeconds * 1000));
  }

  /** The processor's token of a saved card, opened for its one use (a charge) or for the API's owner. */
  tokenOf(method: PaymentMethod): string | null {
    return this.sealer.open(method.id, method.sealedToken);
  }

  /**
   * Charges a saved card with no caller present; the idempotency key makes a retry charge once.
   * The attempt goes on the pending-charge ledger before the processor is asked, as a phone charge
   * does: should the answer be lost (or this process die waiting), the payment stays processing and
   * the reconciler looks the charge up by its key. The caller strikes it off (`chargeRecorded`) once
   * the answer is on the payment.
   */
  async charge(id: string, charge: { paymentId: string; attempt: number; amount: string; currency: string; idempotencyKey: string; description: string | null }): Promise<SavedChargeOutcome> {
    const method = await this.get(id);
    if (!method) return { ok: false, reason: 'not_found' };
    if (method.deletedAt) return { ok: false, reason: 'deleted' };
    if (method.processor !== this.processor.name) return { ok: false, reason: 'other_processor' };
    if (!this.processor.chargeSaved) return { ok: false, reason: 'unsupported' };
    const token = this.tokenOf(method);
    let result: ChargeResult;
    if (token === null) {
      result = { outcome: 'declined', code: 'processing_error', message: 'The saved card could not be read.' };
    } else {
      const since = this.clock.now();
      await this.pendingCharges.record({
        paymentId: charge.paymentId,
        // No call: the payment's own id, which names no session, so a found answer goes on the payment.
        callSid: charge.paymentId,
        attempt: charge.attempt,
        idempotencyKey: charge.idempotencyKey,
        since: since.toISOString(),
        dueAt: new Date(since.getTime() + OFF_SESSION_FIRST_LOOK_UP_MS).toISOString(),
      });
      try {
        result = await this.processor.chargeSaved({
          paymentMethod: token,
          customer: method.customer,
          paymentId: charge.paymentId,
          amount: charge.amount,
          currency: charge.currency,
          idempotencyKey: charge.idempotencyKey,
          ...(charge.description ? { description: charge.description } : {}),
        });
      } catch {
        // No answer (a time-out, a lost connection, a 5xx): the processor may hold the charge, so
        // the payment is not failed; the ledger entry stays for the reconciler.
        return { ok: true, result: null, method };
      }
    }
    return { ok: true, result, method };
  }

  /** Strikes an off-session charge off the pending ledger once its answer is on the payment. */
  async chargeRecorded(paymentId: string, attempt: number): Promise<void> {
    await this.pendingCharges.drop(paymentId, attempt);
  }

  /**
   * Deletes a saved card: the processor lets go of it first (Stripe detaches it from its customer),
   * then the record is marked deleted and its sealed token wiped, so nothing can charge it again.
   * A processor that fails leaves the record as it was, to be deleted again. A deleted card answers
   * its deletion again without asking the processor.
   */
  async delete(id: string): Promise<DeleteOutcome> {
    const method = await this.get(id);
    if (!method) return { ok: false, reason: 'not_found' };
    if (method.deletedAt) return { ok: true, method };
    if (method.processor !== this.processor.name) return { ok: false, reason: 'other_processor' };
    if (!this.processor.deleteSaved) return { ok: false, reason: 'unsupported' };
    const token = this.tokenOf(method);
    if (token !== null) {
      let answer;
      try {
        answer = await this.processor.deleteSaved({ paymentMethod: token, customer: method.customer, idempotencyKey: `${id}-delete` });
      } catch {
        answer = { outcome: 'failed' as const, message: 'The processor could not be reached.' };
      }
      if (answer.outcome === 'failed') return { ok: false, reason: 'processor_failed', message: answer.message };
    }
    // A token the vault key can no longer open can charge nothing here either: it is wiped all the same.
    const deletedAt = this.clock.now().toISOString();
    const stored = await this.records.update(id, (current) => (current === null || current.deletedAt ? null : { ...current, sealedToken: '', deletedAt }));
    return stored ? { ok: true, method: stored.value } : { ok: false, reason: 'not_found' };
  }

  private async referenceFor(idempotencyKey: string): Promise<string> {
    for (let i = 0; i < 5; i += 1) {
      const existing = await this.references.get(idempotencyKey);
      if (existing) return existing.value;
      const fresh = newSavedCardReference();
      if ((await this.records.get(paymentMethodIdOf(fresh))) !== null) continue;
      if ((await this.references.create(idempotencyKey, fresh)) !== null) return fresh;
    }
    throw new Error('could not allocate a saved card reference');
  }
}
