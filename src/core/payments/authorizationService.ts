import { parseAmount } from '../domain/money';
import type { Clock } from '../../ports/clock';
import type { Processor, SettleResult } from '../../ports/processor';
import type { Logger } from '../../observability/logger';
import type { Payment } from './payment';
import type { PaymentRepository } from './paymentRepository';
import { formatMinor } from './refund';

export type SettleOutcome =
  | { ok: true; payment: Payment }
  | { ok: false; status: number; code: string; message: string };

type Kind = 'capture' | 'void';

/** What a change the processor made on its own did to the payment; `busy`: a capture or void of the gateway's is in flight. */
export type ProcessorChange = 'changed' | 'unchanged' | 'busy';

/** Longer than any capture or void takes, its client's retries included. */
const STALE_SETTLING_MS = 10 * 60_000;

/**
 * Finishes `capture: "manual"` payments: takes all or part of the authorised amount, or releases it.
 * The operation is reserved on the payment with compare-and-set (`settling`) before the processor is
 * asked, under one processor idempotency key per payment and kind, so parallel or repeated requests
 * reach the processor as one and a payment is captured or voided once. The API's Idempotency-Key
 * replays sit in front of this (see `authorizationRouter.ts`).
 */
export class AuthorizationService {
  constructor(
    private readonly payments: PaymentRepository,
    private readonly processor: Processor,
    private readonly clock: Clock,
    private readonly logger?: Logger,
  ) {}

  /** Captures `amount` (a decimal string; absent: all of it) of an authorised payment. */
  async capture(paymentId: string, amount?: string): Promise<SettleOutcome> {
    if (!this.processor.captureAuthorization) return refused(409, 'capture_unsupported', `The ${this.processor.name} processor cannot capture authorisations.`);
    const payment = await this.payments.get(paymentId);
    if (!payment) return refused(404, 'not_found', `No payment with id "${paymentId}".`);
    let requested = payment.amountMinor;
    if (amount !== undefined) {
      const parsed = parseAmount(amount, payment.currency);
      if (!parsed.ok) return refused(400, 'invalid_amount', `amount: ${parsed.message.replace(/^amount /, '')}`);
      requested = parsed.minor;
    }
    if (requested > payment.amountMinor) {
      return refused(422, 'amount_exceeds_authorized', `amount: at most the authorised ${payment.amount} ${payment.currency} can be captured.`);
    }
    const units = this.processor.units(formatMinor(requested, payment.currency), payment.currency);
    if (!units.ok) return refused(400, 'invalid_amount', `amount: ${units.message}`);
    return this.settle(paymentId, 'capture', requested);
  }

  /** Releases an authorised payment; nothing is taken. */
  async void(paymentId: string): Promise<SettleOutcome> {
    if (!this.processor.voidAuthorization) return refused(409, 'void_unsupported', `The ${this.processor.name} processor cannot void authorisations.`);
    return this.settle(paymentId, 'void', 0);
  }

  /**
   * Cancels an authorisation whose time ran out (the expiry check calls it): the processor is asked to
   * release it (best effort: Stripe releases it itself), and the payment becomes `canceled` either way.
   * True when this call canceled it.
   */
  async expire(paymentId: string): Promise<boolean> {
    const now = this.clock.now();
    const payment = await this.payments.get(paymentId);
    if (!payment || !isDue(payment, now)) return false;
    if (payment.processorReference && this.processor.voidAuthorization) {
      try {
        await this.processor.voidAuthorization({ paymentId, paymentReference: payment.processorReference, idempotencyKey: `${paymentId}-void` });
      } catch (error) {
        this.logger?.warn('could not release an expired authorisation', { paymentId, error: error instanceof Error ? error.name : typeof error });
      }
    }
    let changed = false;
    await this.payments.update(paymentId, (p) => {
      changed = false;
      if (!isDue(p, now)) return null;
      changed = true;
      const { settling: _settling, ...rest } = p;
      return { ...rest, status: 'canceled', updatedAt: now.toISOString() };
    });
    return changed;
  }

  /**
   * The processor canceled the authorisation itself (Stripe lets it go after 7 days, or someone
   * canceled it in the dashboard): the payment is `canceled`. Only an `authorized` payment whose
   * authorisation is `reference`, with no capture or void of the gateway's own in flight (that one
   * records its own answer): `busy` then.
   */
  async canceledAtProcessor(paymentId: string, reference: string): Promise<ProcessorChange> {
    return this.changedAtProcessor(paymentId, reference, (p, at) => {
      const { settling: _settling, ...rest } = p;
      return { ...rest, status: 'canceled', updatedAt: at };
    });
  }

  /**
   * The processor took the authorised amount without the gateway (a capture in the dashboard): the
   * payment is `succeeded`, with what was taken. `capturedUnits` is in the processor's units: the
   * same share of the authorised amount is recorded in the payment's own minor units.
   */
  async capturedAtProcessor(paymentId: string, reference: string, capturedUnits: number | undefined): Promise<ProcessorChange> {
    return this.changedAtProcessor(paymentId, reference, (p, at) => {
      const authorized = this.processor.units(p.amount, p.currency);
      const minor =
        authorized.ok && capturedUnits !== undefined && capturedUnits > 0 && capturedUnits < authorized.value
          ? Math.round((p.amountMinor * capturedUnits) / authorized.value)
          : p.amountMinor;
      const { settling: _settling, ...rest } = p;
      return { ...rest, status: 'succeeded', amountCaptured: formatMinor(minor, p.currency), amountCapturedMinor: minor, updatedAt: at };
    });
  }

  private async changedAtProcessor(paymentId: string, reference: string, change: (p: Payment, at: string) => Payment): Promise<ProcessorChange> {
    const at = this.clock.now().toISOString();
    let outcome: ProcessorChange = 'unchanged';
    await this.payments.update(paymentId, (p) => {
      outcome = 'unchanged';
      if (p.status !== 'authorized' || p.processorReference !== reference) return null;
      // A capture or void of the gateway's own in flight records its own outcome; one whose process
      // died long ago would otherwise keep every event waiting: the processor's word wins over it.
      if (p.settling && Date.parse(at) - Date.parse(p.settling.startedAt) < STALE_SETTLING_MS) {
        outcome = 'busy';
        return null;
      }
      outcome = 'changed';
      return change(p, at);
    });
    return outcome;
  }

  private async settle(paymentId: string, kind: Kind, amountMinor: number): Promise<SettleOutcome> {
    const now = this.clock.now();
    let refusal: SettleOutcome | null = null;
    const reserved = await this.payments.update(paymentId, (p) => {
      refusal = null;
      if (p.settling) {
        // The same operation again (a retry, a parallel request) joins the one in flight.
        if (p.settling.kind === kind && p.settling.amountMinor === amountMinor) return null;
        refusal = refused(409, 'authorization_busy', `A ${p.settling.kind} of this payment is being processed.`);
        return null;
      }
      if (p.status !== 'authorized') {
        refusal = refused(409, kind === 'capture' ? 'payment_not_capturable' : 'payment_not_voidable', `Only authorized payments can be ${kind === 'capture' ? 'captured' : 'voided'}; this one is ${p.status}.`);
        return null;
      }
      if (Date.parse(p.authorizationExpiresAt ?? '') <= now.getTime()) {
        refusal = refused(409, 'authorization_expired', 'The authorisation has run out; the payment is being canceled.');
        return null;
      }
      return { ...p, settling: { kind, amountMinor, startedAt: now.toISOString() }, updatedAt: now.toISOString() };
    });
    if (!reserved) return refused(404, 'not_found', `No payment with id "${paymentId}".`);
    const refusedWith = refusal as SettleOutcome | null;
    if (refusedWith) return refusedWith;
    const reference = reserved.processorReference;
    if (!reference) return refused(409, 'payment_not_capturable', 'The payment has no authorisation at the processor.');

    const idempotencyKey = `${paymentId}-${kind}`;
    let result: SettleResult;
    try {
      result =
        kind === 'capture'
          ? await this.processor.captureAuthorization!({ paymentId, paymentReference: reference, amount: formatMinor(amountMinor, reserved.currency), currency: reserved.currency, idempotencyKey })
          : await this.processor.voidAuthorization!({ paymentId, paymentReference: reference, idempotencyKey });
    } catch {
      result = { outcome: 'failed', code: 'processing_error', message: `The ${kind} could not be processed.` };
    }
    const at = this.clock.now().toISOString();
    const saved = await this.payments.update(paymentId, (p) => {
      if (!p.settling || p.settling.kind !== kind || p.settling.amountMinor !== amountMinor) return null;
      const { settling: _settling, ...rest } = p;
      if (result.outcome !== 'approved') return { ...rest, updatedAt: at };
      return kind === 'capture'
        ? { ...rest, status: 'succeeded', amountCaptured: formatMinor(amountMinor, p.currency), amountCapturedMinor: amountMinor, updatedAt: at }
        : { ...rest, status: 'canceled', updatedAt: at };
    });
    if (!saved) return refused(404, 'not_found', `No payment with id "${paymentId}".`);
    if (result.outcome !== 'approved') return refused(502, `${kind}_failed`, result.message);
    return { ok: true, payment: saved };
  }
}

function isDue(p: Payment, now: Date): boolean {
  return p.status === 'authorized' && !p.settling && Date.parse(p.authorizationExpiresAt ?? '') <= now.getTime();
}

function refused(status: number, code: string, message: string): SettleOutcome {
  return { ok: false, status, code, message };
}
