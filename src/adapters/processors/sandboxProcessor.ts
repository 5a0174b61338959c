import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { KeyValueStore } from '../../ports/keyValueStore';
import { isoUnits } from '../../core/domain/units';
import { DECLINE_CODES, type AmountInUnits, type CaptureRequest, type ChargeAnswer, type ChargeLookUp, type ChargeLookUpRequest, type ChargeRequest, type ChargeResult, type DeclineCode, type DeleteSavedRequest, type DeleteSavedResult, type Processor, type RefundRequest, type RefundResult, type SaveCardRequest, type SaveCardResult, type SaveLookUp, type SavedChargeRequest, type SettleResult, type VoidRequest } from '../../ports/processor';
import { CorruptRecordError, RecordStore } from '../../core/records/recordStore';
import type { CardData, Vault } from '../../ports/vault';
import { SANDBOX_CARDS, sandboxBankOutcomeFor, sandboxOutcomeFor, sandboxPostalCodeFails } from './sandboxCards';

export interface SandboxProcessorOptions {
  /** Simulated network and issuer time per charge. */
  latencyMs?: number;
  /** How long a charge result is replayed for retries of the same attempt; default 86400 s. */
  recordTtlSeconds?: number;
  /** The date expiry is judged against; tests pin it. */
  now?: () => Date;
  /**
   * Key of the HMAC that makes a saved card's token: stable for one card, so a save is repeatable,
   * yet never a plain hash of the number (which anyone could reverse over the card-number space).
   */
  tokenSecret?: Buffer;
  /**
   * How long after it is submitted a bank debit settles (on `now`'s clock): `lookUp` answers
   * `unknown` until then, and the test account's outcome after. Default 60 s.
   */
  bankDebitSettleMs?: number;
}

/** Saved-card tokens: the prefix, then 32 hex digits of HMAC-SHA256(secret, number). */
const SAVED_TOKEN = /^tok_sbx_[0-9a-f]{32}$/;

const storedSaveResultSchema: z.ZodType<SaveCardResult> = z.union([
  z.looseObject({
    outcome: z.literal('saved'),
    customer: z.string().nullable(),
    paymentMethod: z.string(),
    expiry: z.looseObject({ month: z.number(), year: z.number() }),
  }),
  z.looseObject({ outcome: z.literal('declined'), code: z.enum(DECLINE_CODES), message: z.string() }),
]);

/** Short sentences a caller can hear; they never mention the card itself. */
export const DECLINE_MESSAGES: Readonly<Record<DeclineCode, string>> = {
  card_declined: 'The card was declined.',
  insufficient_funds: 'The card has insufficient funds.',
  incorrect_cvc: 'The security code is incorrect.',
  expired_card: 'The card has expired.',
  processing_error: 'The payment could not be processed.',
  incorrect_zip: 'The postal code does not match the card billing address.',
  account_closed: 'The bank account is closed.',
  no_account: 'No bank account matches the routing and account numbers.',
  debit_not_authorized: 'The account holder told the bank the debit was not authorised.',
  invalid_bank_account: 'The bank account cannot be debited.',
};

/**
 * A charge's record: its answer, and (a submitted bank debit) when it settles and how: what the
 * sandbox's bank will have decided, kept without the account number.
 */
type ChargeRecord = { state: 'pending' } | { state: 'done'; result: ChargeAnswer; settlement?: { at: string; result: ChargeResult } };

const storedChargeResultSchema: z.ZodType<ChargeResult> = z.union([
  z.looseObject({ outcome: z.literal('approved'), reference: z.string(), authorized: z.boolean().optional() }),
  z.looseObject({ outcome: z.literal('declined'), code: z.enum(DECLINE_CODES), message: z.string() }),
]);

const storedChargeAnswerSchema: z.ZodType<ChargeAnswer> = z.union([
  storedChargeResultSchema,
  z.looseObject({ outcome: z.literal('processing'), reference: z.string() }),
]);

const storedChargeRecordSchema: z.ZodType<ChargeRecord> = z.union([
  z.looseObject({ state: z.literal('pending') }),
  z.looseObject({
    state: z.literal('done'),
    result: storedChargeAnswerSchema,
    settlement: z.looseObject({ at: z.string(), result: storedChargeResultSchema }).optional(),
  }),
]);

const storedRefundResultSchema: z.ZodType<RefundResult> = z.union([
  z.looseObject({ outcome: z.literal('approved'), reference: z.string(), status: z.enum(['succeeded', 'pending']) }),
  z.looseObject({ outcome: z.literal('failed'), code: z.string(), message: z.string() }),
]);
/** An authorisation the sandbox holds (`capture: 'manual'` charges), in the currency's units, as Stripe keeps one. */
interface Authorization {
  amount: number;
  currency: string;
  status: 'requires_capture' | 'succeeded' | 'canceled';
  captured: number;
  /** The idempotency key of the capture or void that settled it: a retry with it hears the same answer. */
  settledBy?: string;
}

const storedAuthorizationSchema: z.ZodType<Authorization> = z.looseObject({
  amount: z.number(),
  currency: z.string(),
  status: z.enum(['requires_capture', 'succeeded', 'canceled']),
  captured: z.number(),
  settledBy: z.string().optional(),
});

const POLL_MS = 25;
/** How long a duplicate waits for the attempt already in flight before giving up on it. */
const IN_FLIGHT_WAIT_MS = 5000;

/**
 * A processor that moves no money: Stripe's test numbers decline as documented, every other
 * number is approved. Retries with one idempotency key replay the first answer, as Stripe does.
 */
export class SandboxProcessor implements Processor {
  readonly name = 'sandbox';
  private readonly latencyMs: number;
  private readonly recordTtlSeconds: number;
  private readonly claimTtlSeconds: number;
  private readonly now: () => Date;
  private readonly chargeRecords: RecordStore<ChargeRecord>;
  private readonly refundRecords: RecordStore<RefundResult>;
  private readonly authorizations: RecordStore<Authorization>;
  private readonly saveRecords: RecordStore<SaveCardResult>;
  private readonly tokenSecret: Buffer | null;
  private readonly bankDebitSettleMs: number;

  constructor(
    private readonly vault: Vault,
    store: KeyValueStore,
    options: SandboxProcessorOptions = {},
  ) {
    this.latencyMs = Math.max(0, options.latencyMs ?? 0);
    this.recordTtlSeconds = options.recordTtlSeconds ?? 86_400;
    this.chargeRecords = new RecordStore(store, { prefix: 'sandbox:charge:', schema: storedChargeRecordSchema, ttlSeconds: this.recordTtlSeconds });
    this.refundRecords = new RecordStore(store, { prefix: 'sandbox:refund:', schema: storedRefundResultSchema, ttlSeconds: this.recordTtlSeconds });
    // Kept past Stripe's 7-day hold, so that a late capture hears "canceled" rather than "unknown".
    this.authorizations = new RecordStore(store, { prefix: 'sandbox:authorization:', schema: storedAuthorizationSchema, ttlSeconds: Math.max(this.recordTtlSeconds, 8 * 86_400) });
    // The claim must outlive the slowest charge, or a duplicate could take over mid-flight.
    this.claimTtlSeconds = 60 + Math.ceil(this.latencyMs / 1000);
    this.saveRecords = new RecordStore(store, { prefix: 'sandbox:save:', schema: storedSaveResultSchema, ttlSeconds: this.recordTtlSeconds });
    this.now = options.now ?? (() => new Date());
    this.tokenSecret = options.tokenSecret ? Buffer.from(options.tokenSecret) : null;
    this.bankDebitSettleMs = Math.max(0, options.bankDebitSettleMs ?? 60_000);
  }

  /** ISO 4217's minor units, as a processor without special cases of its own would take them. */
  units(amount: string, currency: string): AmountInUnits {
    return isoUnits(amount, currency, 'the sandbox');
  }

  /** Charges once per idempotency key; every later call with that key gets the same result. */
  async charge(request: ChargeRequest): Promise<ChargeAnswer> {
    if (!this.units(request.amount, request.currency).ok) return declined('processing_error');
    if (request.bankDebit) return this.debit(request);
    return this.once(request.idempotencyKey, async () => {
      const result = await this.decide(request.token);
      if (result.outcome !== 'approved' || request.capture !== 'manual') return result;
      const units = this.units(request.amount, request.currency);
      if (!units.ok) return result;
      await this.authorizations.create(result.reference, { amount: units.value, currency: request.currency, status: 'requires_capture', captured: 0 });
      return { ...result, authorized: true };
    });
  }

  /**
   * Saves a card: a valid expiry is all the sandbox verifies (a declining test card saves, as with
   * Stripe's cards that attach and then fail to charge); the token is the keyed HMAC of the number.
   */
  async saveCard(request: SaveCardRequest): Promise<SaveCardResult> {
    const existing = await this.saveRecords.get(request.idempotencyKey).catch(() => null);
    if (existing) return existing.value;
    let result: SaveCardResult;
    let card: CardData | null = null;
    try {
      card = await this.vault.redeem(request.token);
    } catch {
      result = declined('processing_error') as SaveCardResult;
    }
    if (card) {
      if (this.latencyMs > 0) await sleep(this.latencyMs);
      const expiry = /^\d{4}$/.test(card.expiry) ? { month: Number(card.expiry.slice(0, 2)), year: 2000 + Number(card.expiry.slice(2)) } : null;
      const state = expiryState(card.expiry, this.now());
      if (!this.tokenSecret) result = declined('processing_error') as SaveCardResult;
      else if (!expiry || state === 'malformed') result = declined('card_declined') as SaveCardResult;
      else if (state === 'expired') result = declined('expired_card') as SaveCardResult;
      else {
        result = { outcome: 'saved', customer: `cus_sbx_${this.mac(`customer:${request.paymentId}`).slice(0, 24)}`, paymentMethod: this.tokenOf(card.number), expiry };
      }
    }
    if ((await this.saveRecords.create(request.idempotencyKey, result!)) !== null) return result!;
    return (await this.saveRecords.get(request.idempotencyKey))?.value ?? result!;
  }

  /** The answer a save gave (kept per idempotency key), or `unknown` when the sandbox never took it. */
  async lookUpSave(request: ChargeLookUpRequest): Promise<SaveLookUp> {
    const found = await this.saveRecords.get(request.idempotencyKey).catch(() => null);
    return found ? found.value : { outcome: 'unknown' };
  }

  /** Charges a saved card: the outcome is the test card's behind the token, found by recomputing each card's HMAC. */
  async chargeSaved(request: SavedChargeRequest): Promise<ChargeResult> {
    if (!this.units(request.amount, request.currency).ok) return declined('processing_error');
    return this.once(request.idempotencyKey, async () => {
      if (this.latencyMs > 0) await sleep(this.latencyMs);
      if (!this.tokenSecret || !SAVED_TOKEN.test(request.paymentMethod)) return declined('processing_error');
      const given = Buffer.from(request.paymentMethod);
      const card = SANDBOX_CARDS.find((c) => timingSafeEqual(Buffer.from(this.tokenOf(c.number)), given));
      const outcome = card ? card.outcome : 'succeeded';
      return outcome === 'succeeded' ? { outcome: 'approved', reference: newReference() } : declined(outcome);
    });
  }

  /**
   * Deletes a saved card: the sandbox keeps nothing per card (its token is an HMAC of the number), so
   * there is nothing to forget; a malformed token is refused as a real processor would.
   */
  async deleteSaved(request: DeleteSavedRequest): Promise<DeleteSavedResult> {
    return SAVED_TOKEN.test(request.paymentMethod) ? { outcome: 'deleted' } : { outcome: 'failed', message: 'Not a sandbox token.' };
  }

  private tokenOf(cardNumber: string): string {
    return `tok_sbx_${this.mac(`card:${cardNumber}`).slice(0, 32)}`;
  }

  private mac(text: string): string {
    return createHmac('sha256', this.tokenSecret!).update(text).digest('hex');
  }

  /**
   * A bank debit, as Stripe's us_bank_account PaymentIntents behave: never settled at once. It is
   * `processing` with the sandbox's reference; `lookUp` answers `unknown` until the settle delay has
   * passed on the clock, then the test account's outcome. Only USD, the currency ACH debits move.
   */
  private async debit(request: ChargeRequest): Promise<ChargeAnswer> {
    const { once } = await this.onceWithSettlement(request.idempotencyKey, async () => {
      let account: { routingNumber: string; accountNumber: string };
      try {
        account = await this.vault.redeemBankToken(request.token);
      } catch {
        return { result: declined('processing_error') };
      }
      if (this.latencyMs > 0) await sleep(this.latencyMs);
      if (request.currency !== 'USD') return { result: declined('invalid_bank_account') };
      const outcome = sandboxBankOutcomeFor(account.accountNumber);
      const reference = newReference();
      const settled: ChargeResult = outcome === 'succeeded' ? { outcome: 'approved', reference } : declined(outcome);
      return { result: { outcome: 'processing', reference }, settlement: { at: new Date(this.now().getTime() + this.bankDebitSettleMs).toISOString(), result: settled } };
    });
    return once;
  }

  /** Runs `decide` once per idempotency key; a retry with the key gets the first answer. */
  private async once(key: string, decide: () => Promise<ChargeResult>): Promise<ChargeResult> {
    const { once } = await this.onceWithSettlement(key, async () => ({ result: await decide() }));
    // Card charges never record a bank debit's `processing`.
    return once as ChargeResult;
  }

  private async onceWithSettlement(
    key: string,
    decide: () => Promise<{ result: ChargeAnswer; settlement?: { at: string; result: ChargeResult } }>,
  ): Promise<{ once: ChargeAnswer }> {
    const deadline = Date.now() + this.latencyMs + IN_FLIGHT_WAIT_MS;

    for (;;) {
      const existing = await this.readCharge(key);
      if (existing) {
        const record = existing.value;
        if (record?.state === 'done') return { once: record.result };
        // Unreadable, or another call is still charging this attempt past the wait: answering
        // without saving lets a later retry still see the real result.
        if (!record || Date.now() >= deadline) return { once: declined('processing_error') };
        await sleep(POLL_MS);
        continue;
      }

      // Claiming before redeeming means exactly one call per key ever spends the token; a
      // duplicate that redeemed too would fail and could otherwise record a false error.
      const claim = await this.chargeRecords.create(key, { state: 'pending' }, this.claimTtlSeconds);
      if (claim === null) {
        if (Date.now() >= deadline) return { once: declined('processing_error') };
        continue;
      }

      const { result, settlement } = await decide();
      const record: ChargeRecord = { state: 'done', result, ...(settlement ? { settlement } : {}) };
      // A debit's record must outlive its settling, or its look-up would never find the outcome.
      const ttl = settlement ? this.recordTtlSeconds + Math.ceil(this.bankDebitSettleMs / 1000) : undefined;
      const saved = await this.chargeRecords.compareAndSet(key, claim, record, ttl);
      if (saved !== null) return { once: result };
      // The claim lapsed and another call took the key over; its answer is the one that stands.
    }
  }

  /** Reads the attempt's idempotency record: its result once done, `unknown` while absent or in flight. */
  async lookUp(request: ChargeLookUpRequest): Promise<ChargeLookUp> {
    try {
      const record = (await this.readCharge(request.idempotencyKey))?.value ?? null;
      if (record?.state !== 'done') return { outcome: 'unknown' };
      // A bank debit is still settling until its time has come on the clock.
      if (record.settlement) return this.now().getTime() >= Date.parse(record.settlement.at) ? record.settlement.result : { outcome: 'unknown' };
      return record.result.outcome === 'processing' ? { outcome: 'unknown' } : record.result;
    } catch {
      return { outcome: 'unknown' };
    }
  }

  /** Approves every refund and records it, so a retry with the same key gets the same reference. */
  async refund(request: RefundRequest): Promise<RefundResult> {
    const amount = this.units(request.amount, request.currency);
    if (!amount.ok) return { outcome: 'failed', code: 'invalid_amount', message: `amount: ${amount.message}` };
    const key = request.idempotencyKey;
    const result: RefundResult = { outcome: 'approved', reference: newReference(), status: 'succeeded' };
    if ((await this.refundRecords.create(key, result)) !== null) return result;
    return (await this.refundRecords.get(key))?.value ?? result;
  }

  /**
   * Takes all or part of an authorisation, once per idempotency key, refusing what Stripe refuses: an
   * amount above the authorised one, an authorisation already captured or canceled.
   */
  async captureAuthorization(request: CaptureRequest): Promise<SettleResult> {
    const amount = this.units(request.amount, request.currency);
    if (!amount.ok) return failed('invalid_amount', `amount: ${amount.message}`);
    return this.settleOnce(request.idempotencyKey, request.paymentReference, (auth) => {
      if (auth.status !== 'requires_capture') return failed('authorization_not_capturable', `The authorisation is ${auth.status}.`);
      if (amount.value > auth.amount) return failed('amount_too_large', 'The amount is above the authorised amount.');
      return { ...auth, status: 'succeeded', captured: amount.value };
    });
  }

  /** Releases an authorisation not yet captured. */
  async voidAuthorization(request: VoidRequest): Promise<SettleResult> {
    return this.settleOnce(request.idempotencyKey, request.paymentReference, (auth) => {
      if (auth.status !== 'requires_capture') return failed('authorization_not_voidable', `The authorisation is ${auth.status}.`);
      return { ...auth, status: 'canceled' };
    });
  }

  /**
   * Applies a change to an authorisation in one compare-and-set, which also notes the key: a retry
   * with the key that settled it is approved again, anything else is refused as Stripe would.
   */
  private async settleOnce(key: string, reference: string, change: (auth: Authorization) => Authorization | SettleResult): Promise<SettleResult> {
    let answer: SettleResult = failed('authorization_not_found', 'No such authorisation.');
    await this.authorizations.update(reference, (auth) => {
      answer = failed('authorization_not_found', 'No such authorisation.');
      if (!auth) return null;
      if (auth.settledBy === key) {
        answer = { outcome: 'approved' };
        return null;
      }
      const next = change(auth);
      if ('outcome' in next) {
        answer = next;
        return null;
      }
      answer = { outcome: 'approved' };
      return { ...next, settledBy: key };
    });
    return answer;
  }

  /** The attempt's record; an unreadable one reads as `{ value: null }`, which answers a processing error. */
  private async readCharge(key: string): Promise<{ value: ChargeRecord | null } | null> {
    try {
      return await this.chargeRecords.get(key);
    } catch (error) {
      if (error instanceof CorruptRecordError) return { value: null };
      throw error;
    }
  }

  private async decide(token: string): Promise<ChargeResult> {
    let card: CardData;
    try {
      card = await this.vault.redeem(token);
    } catch {
      // The vault's error says which check failed; the caller only needs to know it did not go through.
      return declined('processing_error');
    }
    if (this.latencyMs > 0) await sleep(this.latencyMs);

    const expiry = expiryState(card.expiry, this.now());
    if (expiry === 'malformed') return declined('card_declined');
    if (expiry === 'expired') return declined('expired_card');

    const outcome = sandboxOutcomeFor(card.number);
    if (outcome !== 'succeeded') return declined(outcome);
    // The issuer would approve, but the address check failed: like a processor's authorization
    // voided on a failed check, nothing is charged and the decline says why.
    if (card.postalCode !== undefined && sandboxPostalCodeFails(card.postalCode)) return declined('incorrect_zip');
    return { outcome: 'approved', reference: newReference() };
  }
}

/** A card is valid through the last instant of its expiry month (UTC, as issuers' systems use). */
function expiryState(mmyy: string, now: Date): 'valid' | 'expired' | 'malformed' {
  const match = /^(\d{2})(\d{2})$/.exec(mmyy);
  if (!match) return 'malformed';
  const month = Number(match[1]);
  const year = 2000 + Number(match[2]);
  if (month < 1 || month > 12) return 'malformed';
  // Date.UTC's month is zero-based, so passing the one-based month yields the next month's start.
  const firstInvalidInstant = Date.UTC(year, month, 1);
  return now.getTime() >= firstInvalidInstant ? 'expired' : 'valid';
}

function failed(code: string, message: string): SettleResult {
  return { outcome: 'failed', code, message };
}

function declined(code: DeclineCode): ChargeResult {
  return { outcome: 'declined', code, message: DECLINE_MESSAGES[code] };
}

/** Ten digits because callers hear the reference read out one digit at a time. */
function newReference(): string {
  return String(randomInt(0, 10_000_000_000)).padStart(10, '0');
}
