import { generatePayCode, generatePaymentId, generateReference } from '../domain/codes';
import type { Clock } from '../../ports/clock';
import type { PaymentSummary } from '../capture/types';
import type { ChargeResult } from '../../ports/processor';
import { effectiveStatus, type CaptureMode, type Payment, type PaymentChannel, type PaymentTerms } from './payment';
import type { PaymentRepository, PreparedPaymentChange } from './paymentRepository';
import type { PaymentExpiry } from './paymentExpiry';

export interface NewPayment {
  amount: string;
  amountMinor: number;
  currency: string;
  description: string | null;
  channel: PaymentChannel;
  callSid: string | null;
  locale: string;
  flowId: string;
  ttlSeconds: number;
  /** Where the live call goes when the capture ends (see `Payment.returnUrl`); none by default. */
  returnUrl?: string | null;
  /** Where the receipt is emailed once the payment succeeds; none when absent or null. */
  receiptEmail?: string | null;
  /** The id to create under (an idempotent request reserves it first); a fresh one otherwise. */
  id?: string;
  /** `manual`: the call authorises only; absent: `automatic`. */
  capture?: CaptureMode;
  /** `save_card`: the capture saves the card (amount zero); a charge otherwise. */
  intent?: 'charge' | 'save_card';
  /** A saved card to charge off-session, with no call. */
  paymentMethodId?: string;
  /** A bank debit (the flow's `method`), and the account holder's name it needs. */
  bankDebit?: { accountHolderName: string };
}

const PAY_CODE_TRIES = 20;
/** 90 million references: a clash is rare, twenty in a row means the store is failing. */
const REFERENCE_TRIES = 20;
/** How long an authorisation holds at the processor by default (Stripe's 7 days for cards). */
export const DEFAULT_AUTHORIZATION_TTL_SECONDS = 7 * 86_400;

export interface PaymentServiceOptions {
  /** How long a manual-capture payment's authorisation holds before it becomes `canceled`. */
  authorizationTtlSeconds?: number;
}

/** A session's projection on its payment, prepared to go with the session's commit (see `prepareProjection`). */
export interface PreparedProjection {
  write: PreparedPaymentChange['write'];
  sent: PreparedPaymentChange['sent'];
  finish: (answer: Parameters<PreparedPaymentChange['finish']>[0]) => Promise<void>;
}

/** The payment use cases the API and the capture share: create, claim for a call, read. */
export class PaymentService {
  constructor(
    private readonly payments: PaymentRepository,
    private readonly clock: Clock,
    /** Notes pending payments so that their running out of time is announced; none when nobody listens. */
    private readonly expiry?: Pick<PaymentExpiry, 'track'>,
    private readonly options: PaymentServiceOptions = {},
  ) {}

  /**
   * Reserves a short reference no other payment holds, with set-if-absent in the store: two payments
   * never share one, whichever process creates them.
   */
  private async allocateReference(paymentId: string): Promise<string> {
    for (let i = 0; i < REFERENCE_TRIES; i += 1) {
      const candidate = generateReference();
      if (await this.payments.reserveReference(candidate, paymentId)) return candidate;
    }
    throw new Error('could not allocate a payment reference');
  }

  /** Reserves a 6-digit pay code no other live payment holds, with set-if-absent in the store. */
  private async allocatePayCode(paymentId: string, ttlSeconds: number): Promise<string> {
    for (let i = 0; i < PAY_CODE_TRIES; i += 1) {
      const candidate = generatePayCode();
      if (await this.payments.reservePayCode(candidate, paymentId, ttlSeconds)) return candidate;
    }
    throw new Error('could not allocate a pay code');
  }

  /** Creates a pending payment with a fresh 6-digit pay code that no other live payment holds. */
  async create(input: NewPayment): Promise<Payment> {
    const now = this.clock.now();
    const id = input.id ?? generatePaymentId();
    // Both reservations leave together: one round trip, one write to the store.
    const [payCode, shortReference] = await Promise.all([this.allocatePayCode(id, input.ttlSeconds), this.allocateReference(id)]);
    const payment: Payment = {
      id,
      status: 'pending',
      amount: input.amount,
      amountMinor: input.amountMinor,
      currency: input.currency,
      channel: input.channel,
      description: input.description,
      locale: input.locale,
      flowId: input.flowId,
      payCode,
      callSid: input.callSid,
      card: null,
      expiryCaptured: false,
      securityCodeCaptured: false,
      postalCodeCaptured: false,
      reference: null,
      processorReference: null,
      shortReference,
      capture: input.capture ?? 'automatic',
      failure: null,
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + input.ttlSeconds * 1000).toISOString(),
      projectedVersion: 0,
      ...(input.returnUrl ? { returnUrl: input.returnUrl } : {}),
      ...(input.receiptEmail ? { receiptEmail: input.receiptEmail } : {}),
      ...(input.intent === 'save_card' ? { intent: 'save_card' as const } : {}),
      ...(input.paymentMethodId ? { paymentMethodId: input.paymentMethodId } : {}),
      ...(input.bankDebit ? { method: 'ach' as const, accountHolderName: input.bankDebit.accountHolderName, bankAccount: null, debitAuthorization: null } : {}),
    };
    await this.payments.create(payment);
    await this.expiry?.track(payment);
    return payment;
  }

  async get(id: string): Promise<Payment | null> {
    return this.payments.get(id);
  }

  /**
   * A payment's terms (`PaymentTerms`: amount, currency, references… what never changes once it is
   * made): from the copy this process last wrote when it has one, which costs no read; read otherwise.
   * Nothing that changes (status, card, callSid) may be taken from here.
   */
  async terms(id: string): Promise<PaymentTerms | null> {
    return this.payments.lastWritten(id) ?? this.payments.get(id);
  }

  /** The payment a typed pay code names, when it can still be paid. */
  async findByPayCode(payCode: string): Promise<Payment | null> {
    const id = await this.payments.findIdByPayCode(payCode);
    return id ? this.payments.get(id) : null;
  }

  /**
   * Binds a pending payment to a call, once: a second call cannot capture the same payment, while a
   * replayed webhook of the same call gets the same answer. Null when the payment cannot be taken.
   */
  async claimForCall(paymentId: string, callSid: string): Promise<PaymentSummary | null> {
    const claimed = await this.claim(paymentId, callSid);
    return claimed ? summarize(claimed) : null;
  }

  /**
   * `claimForCall` of the payment a typed pay code names, with no look-up of its own: the claim's
   * read of the payment is the only one. The payment as stored once claimed; null when the code names
   * none, or its payment cannot be taken.
   */
  async claimByPayCode(payCode: string, callSid: string): Promise<Payment | null> {
    const id = await this.payments.findIdByPayCode(payCode);
    return id ? this.claim(id, callSid) : null;
  }

  private async claim(paymentId: string, callSid: string): Promise<Payment | null> {
    const now = this.clock.now();
    let claimed = false;
    const result = await this.payments.update(paymentId, (p) => {
      if (p.callSid === callSid && p.status === 'capturing') {
        claimed = true;
        return null;
      }
      if (effectiveStatus(p, now) !== 'pending' || (p.callSid !== null && p.callSid !== callSid)) return null;
      // A link payment is paid on its page, a phone payment on a call: neither channel takes the other's.
      if ((p.channel === 'link') !== isLinkSession(callSid)) return null;
      claimed = true;
      return { ...p, status: 'capturing', callSid, updatedAt: now.toISOString() };
    });
    return result && claimed ? result : null;
  }

  /**
   * Cancels a payment no call has claimed yet, in one compare-and-set against the claim: either the
   * cancel or the claim wins. Its pay code stops working at once. Null when the payment is absent or
   * no longer pending (the caller reads it again and decides).
   */
  async cancelPending(paymentId: string): Promise<Payment | null> {
    const now = this.clock.now();
    let canceled = false;
    const result = await this.payments.update(paymentId, (p) => {
      canceled = false;
      if (effectiveStatus(p, now) !== 'pending') return null;
      canceled = true;
      return { ...p, status: 'canceled', updatedAt: now.toISOString() };
    });
    if (!result || !canceled) return null;
    await this.payments.releasePayCode(result.payCode);
    return result;
  }

  /**
   * Starts the off-session charge of a payment made for a saved card: pending to processing in one
   * compare-and-set, so of two parallel requests only one sends the charge. Its pay code stops
   * working (no call takes it). The payment as it is now, and whether this call started it.
   */
  async startOffSession(paymentId: string): Promise<{ payment: Payment; started: boolean } | null> {
    const now = this.clock.now();
    let started = false;
    const result = await this.payments.update(paymentId, (p) => {
      started = false;
      if (!p.paymentMethodId || effectiveStatus(p, now) !== 'pending') return null;
      started = true;
      return { ...p, status: 'processing', updatedAt: now.toISOString() };
    });
    const payment = result ?? (await this.payments.get(paymentId));
    if (!payment) return null;
    if (started) await this.payments.releasePayCode(payment.payCode);
    return { payment, started };
  }

  /**
   * Frees a claimed payment's pay code once the call that claimed it has committed: it must not
   * start a second capture, but a duplicate delivery of the claiming webhook must still find it.
   */
  async retirePayCode(paymentId: string): Promise<void> {
    // No change leads back to pending, so a copy this process wrote past it (the claim's, mostly)
    // says what the store says, and the pay code is the payment's for good: no read is needed then.
    const known = this.payments.lastWritten(paymentId);
    const payment = known && known.status !== 'pending' ? known : await this.payments.get(paymentId);
    if (payment && payment.status !== 'pending') await this.payments.releasePayCode(payment.payCode);
  }

  /** Applies a change from a call session, ignoring projections older than the one stored. */
  async project(paymentId: string, sessionVersion: number, change: (p: Payment) => Partial<Payment>): Promise<void> {
    const now = this.clock.now().toISOString();
    await this.trackAuthorization(await this.payments.update(paymentId, (p) => this.projected(p, sessionVersion, change, now)));
  }

  /**
   * `project`, prepared to travel with the session's commit (`CallSessionRepository.saveWith`) for
   * `sessionVersion`, the version that commit writes: `finish` completes it with the store's answer.
   */
  prepareProjection(paymentId: string, sessionVersion: number, change: (p: Payment) => Partial<Payment>): PreparedProjection {
    const now = this.clock.now().toISOString();
    const prepared = this.payments.prepareUpdate(paymentId, (p) => this.projected(p, sessionVersion, change, now));
    return {
      write: prepared.write,
      sent: prepared.sent,
      finish: async (answer) => {
        await this.trackAuthorization(await prepared.finish(answer));
      },
    };
  }

  /** The payment with a session's projection, or null when the projection must not apply. */
  private projected(p: Payment, sessionVersion: number, change: (p: Payment) => Partial<Payment>, now: string): Payment | null {
    if (p.projectedVersion >= sessionVersion) return null;
    const next = this.withAuthorizationExpiry(p, { ...p, ...change(p), projectedVersion: sessionVersion, updatedAt: now });
    // A charge settled after its call (by whichever process heard first) is never reopened by
    // the call's own, older, view of it.
    if (next.status === 'processing' && (p.status === 'succeeded' || p.status === 'failed' || p.status === 'authorized')) return null;
    // Once authorised, the payment is the API's to capture or void (or the expiry check's to
    // cancel): later turns of the call (the reference repeated, the hang-up) change nothing more.
    if (p.status === 'authorized' && next.status !== 'authorized') return null;
    if (p.capture === 'manual' && p.processorReference && (p.status === 'succeeded' || p.status === 'canceled')) return null;
    return next;
  }

  /** A payment that has just become `authorized` learns until when its authorisation holds. */
  private withAuthorizationExpiry(before: Payment, next: Payment): Payment {
    if (next.status !== 'authorized' || before.status === 'authorized' || next.authorizationExpiresAt) return next;
    const ttl = this.options.authorizationTtlSeconds ?? DEFAULT_AUTHORIZATION_TTL_SECONDS;
    return { ...next, authorizationExpiresAt: new Date(this.clock.now().getTime() + ttl * 1000).toISOString() };
  }

  /** Notes an authorisation with the expiry check, which cancels it when it runs out. */
  private async trackAuthorization(payment: Payment | null): Promise<void> {
    if (payment?.status === 'authorized' && payment.authorizationExpiresAt) {
      await this.expiry?.track({ id: payment.id, expiresAt: payment.authorizationExpiresAt });
    }
  }

  /**
   * Records the processor's answer on a payment whose call has ended while it was processing.
   * True when this call changed it; a payment no longer processing is left as it is.
   */
  async settle(paymentId: string, result: ChargeResult): Promise<boolean> {
    const now = this.clock.now().toISOString();
    let changed = false;
    const saved = await this.payments.update(paymentId, (p) => {
      if (p.status !== 'processing') return null;
      changed = true;
      return result.outcome === 'approved'
        ? this.withAuthorizationExpiry(p, {
            ...p,
            status: result.authorized ? 'authorized' : 'succeeded',
            reference: p.shortReference ?? result.reference,
            processorReference: result.reference,
            failure: null,
            updatedAt: now,
          })
        : { ...p, status: 'failed', failure: { code: result.code, message: result.message }, updatedAt: now };
    });
    await this.trackAuthorization(saved);
    return changed;
  }
}

/** Link captures run under session ids of their own ("LK…"); Twilio call SIDs start with "CA". */
function isLinkSession(id: string): boolean {
  return id.startsWith('LK');
}

export function summarize(p: Payment): PaymentSummary {
  return { id: p.id, amount: p.amount, currency: p.currency, description: p.description, ...(p.intent === 'save_card' ? { intent: 'save_card' as const } : {}) };
}
