import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { ConnectorSettings } from '../../config/processorConfig';
import { isoUnits } from '../../core/domain/units';
import type { AmountInUnits, CaptureRequest, ChargeAnswer, ChargeLookUp, ChargeLookUpRequest, ChargeRequest, ChargeResult, DeclineCode, DeleteSavedRequest, DeleteSavedResult, Processor, RefundRequest, RefundResult, SaveCardRequest, SaveCardResult, SaveLookUp, SavedChargeRequest, SettleResult, VoidRequest } from '../../ports/processor';
import type { Vault } from '../../ports/vault';
import { declined, isDeclineCode, prepareCharge, prepareSave, safeProcessorMessage } from './cardFields';
import { SIGNATURE_HEADER, signConnectorBody } from './connectorSignature';
import { DECLINE_MESSAGES } from './sandboxProcessor';
import { ChargeAnswerLostError } from './answerLost';

export interface HttpsConnectorOptions extends ConnectorSettings {
  /** Extra tries after the first, for network errors, timeouts and 5xx only; default 2. */
  retries?: number;
  /** Pause before the n-th retry is n times this; default 250 ms. */
  backoffMs?: number;
  /** Signature timestamps; tests pin it. */
  nowSeconds?: () => number;
}

const REFERENCE = z.string().regex(/^[A-Za-z0-9_.:-]{1,100}$/);

const chargeAnswer = z.discriminatedUnion('status', [
  z.object({ status: z.literal('approved'), reference: REFERENCE }),
  /** Only to a `capture: "manual"` charge: the amount is held, to be captured or voided later. */
  z.object({ status: z.literal('authorized'), reference: REFERENCE }),
  z.object({ status: z.literal('declined'), reference: REFERENCE.optional(), declineCode: z.string().optional(), message: z.string().optional() }),
]);

/** A bank debit's answer: `processing` (submitted, settling) besides a charge's. */
const debitAnswer = z.union([chargeAnswer, z.object({ status: z.literal('processing'), reference: REFERENCE })]);

const statusAnswer = z.union([chargeAnswer, z.object({ status: z.enum(['unknown', 'pending', 'processing']) }).loose()]);

const refundAnswer = z.discriminatedUnion('status', [
  z.object({ status: z.literal('approved'), reference: REFERENCE }),
  z.object({ status: z.literal('declined'), reference: REFERENCE.optional(), message: z.string().optional() }),
]);

const settleAnswer = z.discriminatedUnion('status', [
  z.object({ status: z.literal('approved') }),
  z.object({ status: z.literal('declined'), message: z.string().optional() }),
]);

const tokenizeAnswer = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('saved'),
    token: z.string().regex(/^[A-Za-z0-9_.:-]{1,200}$/),
    customer: REFERENCE.optional(),
    // Optional echo of the card's expiry: a look-up of a lost save has no card to read it from.
    expMonth: z.number().int().min(1).max(12).optional(),
    expYear: z.number().int().min(2000).max(2100).optional(),
  }),
  z.object({ status: z.literal('declined'), declineCode: z.string().optional(), message: z.string().optional() }),
]);

/** A look-up of a save: the tokenize answer replayed for its idempotency key, or none yet. */
const saveStatusAnswer = z.union([tokenizeAnswer, z.object({ status: z.enum(['unknown', 'pending']) })]);

/** `not_found`: the endpoint no longer holds the token, which is what a deletion asks for. */
const detokenizeAnswer = z.object({ status: z.enum(['deleted', 'not_found']) });

/**
 * `lost`: no try got an answer (network error, time-out, 5xx), so the endpoint may have acted on
 * the request; otherwise the endpoint answered and refused it (a 4xx, or a body that is not JSON).
 */
type Delivery = { ok: true; json: unknown } | { ok: false; lost: boolean };

/**
 * Hands the card to the business's own processor endpoint: one signed JSON POST per attempt, the
 * same idempotency key on every retry so the receiver charges once, and an answer read back
 * strictly. Anything unexpected is a processing error, never an exception, except a charge that got
 * no answer at all (ChargeAnswerLostError): the endpoint may have charged, so it is looked up.
 */
export class HttpsConnector implements Processor {
  readonly name = 'connector';
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly nowSeconds: () => number;

  constructor(
    private readonly vault: Vault,
    private readonly options: HttpsConnectorOptions,
  ) {
    this.retries = Math.max(0, options.retries ?? 2);
    this.backoffMs = Math.max(0, options.backoffMs ?? 250);
    this.nowSeconds = options.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
  }

  /** ISO 4217's minor units; every request states the exponent, so the receiver need not guess. */
  units(amount: string, currency: string): AmountInUnits {
    return isoUnits(amount, currency, 'the connector');
  }

  /**
   * One charge attempt; the card leaves the vault only inside this request's body. A delivery that
   * got no answer throws ChargeAnswerLostError: the endpoint may have charged, so it is looked up.
   */
  async charge(request: ChargeRequest): Promise<ChargeAnswer> {
    if (request.bankDebit) return this.debit(request);
    const prepared = await prepareCharge(this.vault, request.token, this.units(request.amount, request.currency));
    if ('outcome' in prepared) return prepared;
    const { amount, card, expiry } = prepared;

    const body = JSON.stringify({
      type: 'charge',
      payment: { ...paymentFields(request, amount), capture: request.capture ?? 'automatic' },
      card: {
        number: card.number,
        expMonth: expiry.month,
        expYear: expiry.year,
        securityCode: card.securityCode,
        // For the receiver's address check; a failed one is answered `declineCode: "incorrect_zip"`.
        ...(card.postalCode ? { postalCode: card.postalCode } : {}),
      },
      idempotencyKey: request.idempotencyKey,
    });
    const delivery = await this.deliver(body, request.idempotencyKey);
    if (!delivery.ok) return refusedOrLost(delivery);

    const answer = chargeAnswer.safeParse(delivery.json);
    if (!answer.success) return declined('processing_error');
    // An authorisation the gateway did not ask for would leave money uncaptured: it is not an approval.
    if (answer.data.status === 'authorized' && request.capture !== 'manual') return declined('processing_error');
    return fromChargeAnswer(answer.data);
  }

  /**
   * A bank debit (`type: "ach"`): the routing and account numbers leave the vault only inside this
   * request's body, with the account type, the holder's name and the caller's recorded acceptance.
   * The endpoint answers `processing` (or approved/declined); `status` look-ups follow it up.
   */
  private async debit(request: ChargeRequest): Promise<ChargeAnswer> {
    const debit = request.bankDebit!;
    const amount = this.units(request.amount, request.currency);
    if (!amount.ok) return declined('processing_error');
    let account: { routingNumber: string; accountNumber: string };
    try {
      account = await this.vault.redeemBankToken(request.token);
    } catch {
      return declined('processing_error', 'The bank account details were no longer available.');
    }
    const body = JSON.stringify({
      type: 'ach',
      payment: paymentFields(request, amount),
      bankAccount: {
        routingNumber: account.routingNumber,
        accountNumber: account.accountNumber,
        accountType: debit.accountType,
        holderName: debit.accountHolderName,
      },
      authorization: debit.authorization,
      idempotencyKey: request.idempotencyKey,
    });
    const delivery = await this.deliver(body, request.idempotencyKey);
    // As for a card: a debit whose answer was lost may exist at the endpoint, so it is looked up.
    if (!delivery.ok) return refusedOrLost(delivery);
    const answer = debitAnswer.safeParse(delivery.json);
    if (!answer.success) return declined('processing_error');
    if (answer.data.status === 'processing') return { outcome: 'processing', reference: answer.data.reference };
    // A debit is never authorised now and captured later.
    if (answer.data.status === 'authorized') return declined('processing_error');
    return fromChargeAnswer(answer.data);
  }

  /**
   * Asks the endpoint to keep the card and answer a token for it (`type: "tokenize"`): the card
   * leaves the vault only inside this request's body, signed like a charge.
   */
  async saveCard(request: SaveCardRequest): Promise<SaveCardResult> {
    const prepared = await prepareSave(this.vault, request.token);
    if ('outcome' in prepared) return prepared;
    const { card, expiry } = prepared;
    const body = JSON.stringify({
      type: 'tokenize',
      payment: { id: request.paymentId, callSid: request.callSid ?? null },
      card: { number: card.number, expMonth: expiry.month, expYear: expiry.year, securityCode: card.securityCode, ...(card.postalCode ? { postalCode: card.postalCode } : {}) },
      idempotencyKey: request.idempotencyKey,
    });
    const delivery = await this.deliver(body, request.idempotencyKey);
    const answer = delivery.ok ? tokenizeAnswer.safeParse(delivery.json) : null;
    if (!answer?.success) return declined('processing_error') as SaveCardResult;
    if (answer.data.status === 'saved') return { outcome: 'saved', customer: answer.data.customer ?? null, paymentMethod: answer.data.token, expiry };
    const code: DeclineCode = isDeclineCode(answer.data.declineCode) ? answer.data.declineCode : 'card_declined';
    return declined(code, safeProcessorMessage(answer.data.message, DECLINE_MESSAGES[code])) as SaveCardResult;
  }

  /** Charges a saved card (`type: "charge"` with `paymentMethod` instead of `card`): no card data is sent. */
  async chargeSaved(request: SavedChargeRequest): Promise<ChargeResult> {
    const amount = this.units(request.amount, request.currency);
    if (!amount.ok) return declined('processing_error', 'The amount cannot be charged by this processor.');
    const body = JSON.stringify({
      type: 'charge',
      payment: {
        id: request.paymentId,
        amount: request.amount,
        ...unitsFields(amount),
        currency: request.currency,
        description: request.description ?? null,
        callSid: null,
      },
      paymentMethod: { token: request.paymentMethod, customer: request.customer },
      offSession: true,
      idempotencyKey: request.idempotencyKey,
    });
    const delivery = await this.deliver(body, request.idempotencyKey);
    if (!delivery.ok) return refusedOrLost(delivery);
    const answer = chargeAnswer.safeParse(delivery.json);
    if (!answer.success) return declined('processing_error');
    return fromChargeAnswer(answer.data);
  }

  /**
   * Asks the endpoint what became of a save whose answer was lost: the same `type: "status"` request
   * as a charge's look-up (no card data), answered with the tokenize answer kept for the key.
   */
  async lookUpSave(request: ChargeLookUpRequest): Promise<SaveLookUp> {
    const body = JSON.stringify({ type: 'status', payment: { id: request.paymentId }, idempotencyKey: request.idempotencyKey });
    const delivery = await this.deliver(body, request.idempotencyKey);
    const answer = delivery.ok ? saveStatusAnswer.safeParse(delivery.json) : null;
    if (!answer?.success) return { outcome: 'unknown' };
    const data = answer.data;
    if (data.status === 'saved') {
      const expiry = data.expMonth !== undefined && data.expYear !== undefined ? { month: data.expMonth, year: data.expYear } : null;
      return { outcome: 'saved', customer: data.customer ?? null, paymentMethod: data.token, expiry };
    }
    if (data.status === 'declined') {
      const code: DeclineCode = isDeclineCode(data.declineCode) ? data.declineCode : 'card_declined';
      return declined(code, safeProcessorMessage(data.message, DECLINE_MESSAGES[code])) as SaveLookUp;
    }
    return { outcome: 'unknown' };
  }

  /** Asks the endpoint to forget a saved card (`type: "detokenize"`): the token, no card data. */
  async deleteSaved(request: DeleteSavedRequest): Promise<DeleteSavedResult> {
    const body = JSON.stringify({ type: 'detokenize', paymentMethod: { token: request.paymentMethod, customer: request.customer }, idempotencyKey: request.idempotencyKey });
    const delivery = await this.deliver(body, request.idempotencyKey);
    const answer = delivery.ok ? detokenizeAnswer.safeParse(delivery.json) : null;
    if (!answer?.success) return { outcome: 'failed', message: 'The connector endpoint did not confirm the deletion.' };
    return { outcome: 'deleted' };
  }

  /** Asks the endpoint what became of a charge (`type: "status"`, no card data); anything unclear is `unknown`. */
  async lookUp(request: ChargeLookUpRequest): Promise<ChargeLookUp> {
    const body = JSON.stringify({ type: 'status', payment: { id: request.paymentId }, idempotencyKey: request.idempotencyKey });
    const delivery = await this.deliver(body, request.idempotencyKey);
    const answer = delivery.ok ? statusAnswer.safeParse(delivery.json) : null;
    if (!answer?.success) return { outcome: 'unknown' };
    const data = answer.data;
    // `processing`: a bank debit still settling.
    return data.status === 'approved' || data.status === 'authorized' || data.status === 'declined' ? fromChargeAnswer(data as z.infer<typeof chargeAnswer>) : { outcome: 'unknown' };
  }

  /** Asks the same endpoint for a refund (`type: "refund"`); no card data is sent. */
  async refund(request: RefundRequest): Promise<RefundResult> {
    const amount = this.units(request.amount, request.currency);
    if (!amount.ok) return { outcome: 'failed', code: 'invalid_amount', message: `amount: ${amount.message}` };
    const body = movementBody('refund', request, amount);
    const delivery = await this.deliver(body, request.idempotencyKey);
    const answer = delivery.ok ? refundAnswer.safeParse(delivery.json) : null;
    if (!answer?.success) return { outcome: 'failed', code: 'processing_error', message: 'The refund could not be processed.' };
    if (answer.data.status === 'approved') return { outcome: 'approved', reference: answer.data.reference, status: 'succeeded' };
    return { outcome: 'failed', code: 'refund_declined', message: safeProcessorMessage(answer.data.message, 'The processor declined the refund.') };
  }

  /** Asks the endpoint to take all or part of an authorisation (`type: "capture"`); no card data is sent. */
  async captureAuthorization(request: CaptureRequest): Promise<SettleResult> {
    const amount = this.units(request.amount, request.currency);
    if (!amount.ok) return { outcome: 'failed', code: 'invalid_amount', message: `amount: ${amount.message}` };
    const body = movementBody('capture', request, amount);
    return this.settle(body, request.idempotencyKey, 'capture');
  }

  /** Asks the endpoint to release an authorisation (`type: "void"`). */
  async voidAuthorization(request: VoidRequest): Promise<SettleResult> {
    const body = JSON.stringify({
      type: 'void',
      void: { paymentId: request.paymentId, paymentReference: request.paymentReference },
      idempotencyKey: request.idempotencyKey,
    });
    return this.settle(body, request.idempotencyKey, 'void');
  }

  private async settle(body: string, idempotencyKey: string, kind: 'capture' | 'void'): Promise<SettleResult> {
    const delivery = await this.deliver(body, idempotencyKey);
    const answer = delivery.ok ? settleAnswer.safeParse(delivery.json) : null;
    if (!answer?.success) return { outcome: 'failed', code: 'processing_error', message: `The ${kind} could not be processed.` };
    if (answer.data.status === 'approved') return { outcome: 'approved' };
    return { outcome: 'failed', code: `${kind}_declined`, message: safeProcessorMessage(answer.data.message, `The processor declined the ${kind}.`) };
  }

  /** POSTs the body, re-signed each try, until a 2xx/4xx answer or the retries run out. */
  private async deliver(body: string, idempotencyKey: string): Promise<Delivery> {
    for (let attempt = 0; attempt <= this.retries; attempt += 1) {
      if (attempt > 0) await sleep(this.backoffMs * attempt);
      let response: Response;
      try {
        response = await fetch(this.options.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json',
            'idempotency-key': idempotencyKey,
            [SIGNATURE_HEADER]: signConnectorBody(this.options.secret, body, this.nowSeconds()),
          },
          body,
          // A redirect would resend the card to an address nobody configured.
          redirect: 'manual',
          signal: AbortSignal.timeout(this.options.timeoutMs),
        });
      } catch {
        continue; // network error or timeout: the same key makes the retry safe
      }
      if (response.status >= 500) {
        await response.body?.cancel();
        continue;
      }
      if (response.status < 200 || response.status >= 300) {
        await response.body?.cancel();
        return { ok: false, lost: false };
      }
      try {
        return { ok: true, json: await response.json() };
      } catch {
        return { ok: false, lost: false };
      }
    }
    return { ok: false, lost: true };
  }
}

/** The payment as a charge or a debit request names it: the same fields in both. */
function paymentFields(request: ChargeRequest, amount: Extract<AmountInUnits, { ok: true }>) {
  return {
    id: request.paymentId,
    amount: request.amount,
    ...unitsFields(amount),
    currency: request.currency,
    description: request.description ?? null,
    callSid: request.callSid ?? null,
  };
}

/** A request that moves money already agreed for a payment (`refund`, `capture`): no card data, the amount in both forms. */
function movementBody(
  type: 'refund' | 'capture',
  request: { paymentId: string; paymentReference: string; amount: string; currency: string; idempotencyKey: string },
  amount: Extract<AmountInUnits, { ok: true }>,
): string {
  return JSON.stringify({
    type,
    [type]: {
      paymentId: request.paymentId,
      paymentReference: request.paymentReference,
      amount: request.amount,
      ...unitsFields(amount),
      currency: request.currency,
    },
    idempotencyKey: request.idempotencyKey,
  });
}

/** `amountMinor` is `amount` × 10^`amountExponent`, in ISO 4217's minor unit of the currency. */
function unitsFields(amount: Extract<AmountInUnits, { ok: true }>) {
  return { amountMinor: amount.value, amountExponent: amount.exponent, amountUnit: 'iso4217' };
}

/**
 * A charge the endpoint refused outright is declined; one it never answered (every try timed out,
 * failed to connect or got a 5xx) may have been charged: it throws, and the core looks it up
 * (`lookUp`) instead of failing a payment whose money may have been taken.
 */
function refusedOrLost(delivery: { ok: false; lost: boolean }): ChargeResult {
  if (delivery.lost) throw new ChargeAnswerLostError('connector', 'no answer from the endpoint');
  return declined('processing_error');
}

function fromChargeAnswer(answer: z.infer<typeof chargeAnswer>): ChargeResult {
  if (answer.status === 'approved') return { outcome: 'approved', reference: answer.reference };
  if (answer.status === 'authorized') return { outcome: 'approved', reference: answer.reference, authorized: true };
  const code: DeclineCode = isDeclineCode(answer.declineCode) ? answer.declineCode : 'card_declined';
  return declined(code, safeProcessorMessage(answer.message, DECLINE_MESSAGES[code]));
}
