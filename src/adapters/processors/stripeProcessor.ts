import Stripe from 'stripe';
import type { StripeSettings } from '../../config/processorConfig';
import type { AmountInUnits, CaptureRequest, ChargeAnswer, ChargeLookUp, DeleteSavedRequest, DeleteSavedResult, ChargeLookUpRequest, ChargeRequest, ChargeResult, Processor, RefundRequest, RefundResult, SaveCardRequest, SaveCardResult, SaveLookUp, SavedChargeRequest, SettleResult, VoidRequest } from '../../ports/processor';
import type { Vault } from '../../ports/vault';
import { declined, prepareCharge, prepareSave, safeProcessorMessage } from './cardFields';
import { stripeUnits } from './stripeAmounts';
import { mapStripeDecline } from './stripeDeclines';
import { DECLINE_MESSAGES } from './sandboxProcessor';
import { ChargeAnswerLostError } from './answerLost';

export interface StripeProcessorOptions extends StripeSettings {
  /** Per-request timeout of the Stripe client; the caller is put on hold long before it. */
  timeoutMs?: number;
  /** The client's own retries on network errors and 5xx, always with the same idempotency key. */
  maxNetworkRetries?: number;
}

const POSTAL_CODE_NOT_REVERSED_MESSAGE =
  'The postal code failed the address check, and the charge could not be reversed automatically: refund or cancel it in the Stripe dashboard.';

const REQUIRES_ACTION_MESSAGE =
  'The card needs the cardholder to authenticate (3-D Secure), which cannot be done over the phone.';

/**
 * Charges through Stripe: the redeemed card becomes a PaymentMethod, then a PaymentIntent is created
 * and confirmed in one request. Both requests carry keys derived from the charge's idempotency key,
 * so a retry of the same attempt, from any process, replays Stripe's first answer.
 */
export class StripeProcessor implements Processor {
  readonly name = 'stripe';
  private readonly stripe: Stripe;

  constructor(
    private readonly vault: Vault,
    private readonly options: StripeProcessorOptions,
  ) {
    this.stripe = new Stripe(options.secretKey, {
      maxNetworkRetries: options.maxNetworkRetries ?? 2,
      timeout: options.timeoutMs ?? 30_000,
      // Request bodies hold card data: the client must never hand them to event listeners.
      emitEventBodies: false,
      telemetry: false,
      ...clientAddress(options.apiUrl),
    });
  }

  units(amount: string, currency: string): AmountInUnits {
    return stripeUnits(amount, currency);
  }

  /**
   * One charge attempt. Every definite refusal is a decline with a contract code; a PaymentIntent
   * request whose answer was lost throws ChargeAnswerLostError, to be looked up (`lookUp`).
   */
  async charge(request: ChargeRequest): Promise<ChargeAnswer> {
    if (request.bankDebit) return this.debit(request);
    const prepared = await prepareCharge(this.vault, request.token, this.units(request.amount, request.currency));
    if ('outcome' in prepared) return prepared;
    const { amount, card, expiry } = prepared;

    let method: Stripe.PaymentMethod;
    try {
      method = await this.stripe.paymentMethods.create(
        {
          type: 'card',
          card: { number: card.number, exp_month: expiry.month, exp_year: expiry.year, cvc: card.securityCode },
          // The issuer checks the billing postal code against the card's address (AVS).
          ...(card.postalCode ? { billing_details: { address: { postal_code: card.postalCode } } } : {}),
        },
        { idempotencyKey: `${request.idempotencyKey}-pm` },
      );
    } catch (error) {
      // No PaymentIntent exists before this answer: whatever went wrong, nothing was charged.
      return fromStripeError(error);
    }
    const intent = await this.confirmIntent(
      {
        ...this.intentBasics(amount.value, request),
        payment_method: method.id,
        allowed_payment_method_types: ['card'],
        // Manual capture: Stripe holds the amount (`requires_capture`) until captured or canceled.
        ...(request.capture === 'manual' ? { capture_method: 'manual' as const } : {}),
        metadata: { payment_id: request.paymentId, charge_key: request.idempotencyKey, ...(request.callSid ? { call_sid: request.callSid } : {}) },
        // The address check's result is on the charge: expanded, it comes back in this one answer.
        ...(card.postalCode ? { expand: ['latest_charge'] } : {}),
      },
      request.idempotencyKey,
    );
    if ('outcome' in intent) return intent;
    if (card.postalCode && (intent.status === 'succeeded' || intent.status === 'requires_capture') && postalCodeCheckOf(intent) === 'fail') {
      return this.reverseForPostalCode(intent, request);
    }
    return this.intentOutcome(intent, request.idempotencyKey, request.capture === 'manual');
  }

  /** What every PaymentIntent of a charge carries: the amount in Stripe's units, confirmed at once, the shared descriptors. */
  private intentBasics(amount: number, request: { currency: string; description?: string }) {
    return {
      amount,
      currency: request.currency.toLowerCase(),
      confirm: true,
      ...(request.description ? { description: request.description } : {}),
      ...(this.options.statementDescriptor ? { statement_descriptor_suffix: this.options.statementDescriptor } : {}),
    };
  }

  /**
   * Creates and confirms a PaymentIntent under the attempt's key (metadata's charge_key names the
   * attempt too, so a charge whose answer was lost can be found again): a refusal comes back as its
   * decline, a lost answer is thrown as ChargeAnswerLostError.
   */
  private async confirmIntent(params: Stripe.PaymentIntentCreateParams, idempotencyKey: string): Promise<Stripe.PaymentIntent | ChargeResult> {
    try {
      return await this.stripe.paymentIntents.create(params, { idempotencyKey });
    } catch (error) {
      throwIfAnswerLost(error);
      return fromStripeError(error);
    }
  }

  /** A confirmed PaymentIntent's answer: approved, held (manual capture only), or declined; one that asks for 3-D Secure is canceled. */
  private async intentOutcome(intent: Stripe.PaymentIntent, idempotencyKey: string, manual: boolean): Promise<ChargeResult> {
    if (intent.status === 'succeeded') return { outcome: 'approved', reference: intent.id };
    if (intent.status === 'requires_capture' && manual) return { outcome: 'approved', reference: intent.id, authorized: true };
    if (intent.status === 'requires_action') {
      await this.cancel(intent.id, idempotencyKey);
      return { outcome: 'declined', code: 'card_declined', message: REQUIRES_ACTION_MESSAGE };
    }
    return declined('processing_error', `The payment ended in status ${intent.status}.`);
  }

  /**
   * A bank debit (ACH Direct Debit): a `us_bank_account` PaymentMethod with the holder's name (Stripe
   * requires one) and the account's numbers, then a PaymentIntent confirmed at once with the mandate:
   * an `offline` customer acceptance (a telephone authorisation is not an online one) at the time the
   * caller pressed 1. Metadata names the payment and the attempt as for cards, so the look-up and
   * Stripe's webhooks find it. Stripe answers `processing`: the outcome comes when the bank settles.
   */
  private async debit(request: ChargeRequest): Promise<ChargeAnswer> {
    const debit = request.bankDebit!;
    const amount = this.units(request.amount, request.currency);
    if (!amount.ok) return declined('processing_error', amount.message);
    if (request.currency !== 'USD') return declined('invalid_bank_account', 'ACH debits move US dollars only.');
    let account: { routingNumber: string; accountNumber: string };
    try {
      account = await this.vault.redeemBankToken(request.token);
    } catch {
      return declined('processing_error', 'The bank account details were no longer available.');
    }
    let intent: Stripe.PaymentIntent;
    let method: Stripe.PaymentMethod;
    try {
      method = await this.stripe.paymentMethods.create(
        {
          type: 'us_bank_account',
          us_bank_account: {
            routing_number: account.routingNumber,
            account_number: account.accountNumber,
            account_type: debit.accountType,
            account_holder_type: 'individual',
          },
          billing_details: { name: debit.accountHolderName },
        },
        { idempotencyKey: `${request.idempotencyKey}-pm` },
      );
    } catch (error) {
      // No PaymentIntent exists before this answer: whatever went wrong, nothing was debited.
      return fromStripeError(error);
    }
    try {
      intent = await this.stripe.paymentIntents.create(
        {
          amount: amount.value,
          currency: 'usd',
          payment_method: method.id,
          allowed_payment_method_types: ['us_bank_account'],
          confirm: true,
          mandate_data: {
            customer_acceptance: { type: 'offline', offline: {}, accepted_at: Math.floor(Date.parse(debit.authorization.acceptedAt) / 1000) },
          },
          ...(request.description ? { description: request.description } : {}),
          metadata: {
            payment_id: request.paymentId,
            charge_key: request.idempotencyKey,
            ...(request.callSid ? { call_sid: request.callSid } : {}),
            // The record of the caller's acceptance travels with the mandate's intent.
            authorization_sha256: debit.authorization.textSha256,
          },
        },
        { idempotencyKey: request.idempotencyKey },
      );
    } catch (error) {
      // As for a card: the debit may exist at Stripe, so it is looked up rather than called failed.
      throwIfAnswerLost(error);
      return fromStripeError(error);
    }
    if (intent.status === 'processing') return { outcome: 'processing', reference: intent.id };
    // Stripe never settles a bank debit at once; anything but `processing` is not a debit under way.
    if (intent.status === 'succeeded') return { outcome: 'approved', reference: intent.id };
    if (intent.status === 'requires_payment_method' && intent.last_payment_error) {
      const code = mapStripeDecline({ code: intent.last_payment_error.code, decline_code: intent.last_payment_error.decline_code, message: intent.last_payment_error.message });
      return declined(code, safeProcessorMessage(intent.last_payment_error.message, DECLINE_MESSAGES[code]));
    }
    if (intent.status !== 'canceled') await this.cancel(intent.id, request.idempotencyKey);
    return declined('processing_error', `The bank debit ended in status ${intent.status}.`);
  }

  /**
   * Saves the card for off-session charges: a Customer, a PaymentMethod, and a SetupIntent with
   * `usage: off_session` confirmed at once, which attaches the PaymentMethod to the Customer once
   * the card is verified. Each request's key derives from the save's, so a retry makes nothing twice.
   */
  async saveCard(request: SaveCardRequest): Promise<SaveCardResult> {
    const prepared = await prepareSave(this.vault, request.token);
    if ('outcome' in prepared) return prepared;
    const { card, expiry } = prepared;
    // save_key names the attempt, so a save whose answer was lost can be found again (lookUpSave).
    const metadata = { payment_id: request.paymentId, save_key: request.idempotencyKey, ...(request.callSid ? { call_sid: request.callSid } : {}) };
    let intent: Stripe.SetupIntent;
    let customer: Stripe.Customer;
    try {
      customer = await this.stripe.customers.create({ metadata }, { idempotencyKey: `${request.idempotencyKey}-customer` });
      const method = await this.stripe.paymentMethods.create(
        {
          type: 'card',
          card: { number: card.number, exp_month: expiry.month, exp_year: expiry.year, cvc: card.securityCode },
          // Kept with the card, so the issuer checks it (AVS) on the later off-session charges.
          ...(card.postalCode ? { billing_details: { address: { postal_code: card.postalCode } } } : {}),
        },
        { idempotencyKey: `${request.idempotencyKey}-pm` },
      );
      intent = await this.stripe.setupIntents.create(
        { customer: customer.id, payment_method: method.id, usage: 'off_session', confirm: true, metadata },
        { idempotencyKey: request.idempotencyKey },
      );
    } catch (error) {
      return fromStripeError(error) as SaveCardResult;
    }
    if (intent.status === 'succeeded') {
      const paymentMethod = typeof intent.payment_method === 'string' ? intent.payment_method : intent.payment_method?.id;
      if (!paymentMethod) return declined('processing_error') as SaveCardResult;
      return { outcome: 'saved', customer: customer.id, paymentMethod, expiry };
    }
    if (intent.status === 'requires_action') {
      return { outcome: 'declined', code: 'card_declined', message: REQUIRES_ACTION_MESSAGE };
    }
    return declined('processing_error', `The card could not be saved (status ${intent.status}).`) as SaveCardResult;
  }

  /**
   * Finds a save whose answer was lost: the attempt's Customer by its `save_key` metadata (Stripe's
   * search lags writes by up to a minute, so none found is `unknown`), then that Customer's
   * SetupIntent of the attempt, with its PaymentMethod expanded for the expiry. Nothing is created.
   */
  async lookUpSave(request: ChargeLookUpRequest): Promise<SaveLookUp> {
    let intent: Stripe.SetupIntent | undefined;
    let customer: string;
    try {
      const customers = await this.stripe.customers.search({ query: `metadata['save_key']:'${searchValue(request.idempotencyKey)}'`, limit: 10 });
      const found = customers.data.find((c) => c.metadata?.save_key === request.idempotencyKey);
      if (!found) return { outcome: 'unknown' };
      customer = found.id;
      const intents = await this.stripe.setupIntents.list({ customer, limit: 100, expand: ['data.payment_method'] });
      intent = intents.data.find((i) => i.metadata?.save_key === request.idempotencyKey);
    } catch {
      return { outcome: 'unknown' };
    }
    if (!intent) return { outcome: 'unknown' };
    switch (intent.status) {
      case 'succeeded': {
        const method = typeof intent.payment_method === 'string' || !intent.payment_method ? null : intent.payment_method;
        const paymentMethod = typeof intent.payment_method === 'string' ? intent.payment_method : intent.payment_method?.id;
        if (!paymentMethod) return { outcome: 'unknown' };
        const card = method?.card;
        return { outcome: 'saved', customer, paymentMethod, expiry: card ? { month: card.exp_month, year: card.exp_year } : null };
      }
      case 'requires_action':
        return { outcome: 'declined', code: 'card_declined', message: REQUIRES_ACTION_MESSAGE };
      case 'requires_payment_method': {
        const error = intent.last_setup_error;
        if (!error) return { outcome: 'unknown' };
        const code = mapStripeDecline({ code: error.code, decline_code: error.decline_code, message: error.message });
        return declined(code, safeProcessorMessage(error.message, DECLINE_MESSAGES[code])) as SaveLookUp;
      }
      case 'canceled':
        return declined('card_declined') as SaveLookUp;
      default:
        return { outcome: 'unknown' };
    }
  }

  /** Charges a saved card with no cardholder present: `off_session` and `confirm` with its Customer. */
  async chargeSaved(request: SavedChargeRequest): Promise<ChargeResult> {
    const amount = this.units(request.amount, request.currency);
    if (!amount.ok) return declined('processing_error', 'The amount cannot be charged by this processor.');
    const intent = await this.confirmIntent(
      {
        ...this.intentBasics(amount.value, request),
        payment_method: request.paymentMethod,
        ...(request.customer ? { customer: request.customer } : {}),
        off_session: true,
        metadata: { payment_id: request.paymentId, charge_key: request.idempotencyKey },
      },
      request.idempotencyKey,
    );
    if ('outcome' in intent) return intent;
    return this.intentOutcome(intent, request.idempotencyKey, false);
  }

  /**
   * Detaches the saved PaymentMethod from its Customer: Stripe then refuses every charge of it.
   * A PaymentMethod already detached or gone counts as deleted, so a repeated deletion succeeds.
   */
  async deleteSaved(request: DeleteSavedRequest): Promise<DeleteSavedResult> {
    try {
      await this.stripe.paymentMethods.detach(request.paymentMethod, {}, { idempotencyKey: request.idempotencyKey });
      return { outcome: 'deleted' };
    } catch (error) {
      const e = error as { code?: string; message?: string; statusCode?: number };
      if (e?.code === 'resource_missing' || /not attached to a customer/i.test(e?.message ?? '')) return { outcome: 'deleted' };
      return { outcome: 'failed', message: `Stripe did not detach the card${e?.statusCode ? ` (HTTP ${e.statusCode})` : ''}.` };
    }
  }

  /**
   * Finds the attempt's PaymentIntent by its metadata and reads its outcome. Stripe's search index
   * lags writes by up to a minute, so "not found" is `unknown`, to be asked again later.
   * The charge's address check comes expanded with it: an approval whose postal code failed is
   * reversed and declined exactly as the charge's own answer would have been (same keys, so a
   * charge answer and any number of look-ups reverse it once).
   */
  async lookUp(request: ChargeLookUpRequest): Promise<ChargeLookUp> {
    let intents: Stripe.PaymentIntent[];
    try {
      const found = await this.stripe.paymentIntents.search({
        query: `metadata['payment_id']:'${searchValue(request.paymentId)}'`,
        limit: 100,
        expand: ['data.latest_charge'],
      });
      intents = found.data.filter((intent) => intent.metadata?.charge_key === request.idempotencyKey);
    } catch {
      return { outcome: 'unknown' };
    }
    const intent = intents.find((i) => i.status === 'succeeded') ?? intents[0];
    if (!intent) return { outcome: 'unknown' };
    return this.outcomeOf(intent, request);
  }

  /**
   * One PaymentIntent read by id (Stripe's own record, not its lagging search index), with the
   * outcome a look-up would give of it, address check and reversal included: what a Stripe event
   * about a charge is checked against. `missing` when Stripe has no such intent; null when Stripe
   * cannot be asked now.
   */
  async lookUpIntent(intentId: string, request: ChargeLookUpRequest): Promise<{ intent: Stripe.PaymentIntent; outcome: ChargeLookUp } | 'missing' | null> {
    let intent: Stripe.PaymentIntent;
    try {
      intent = await this.stripe.paymentIntents.retrieve(intentId, { expand: ['latest_charge'] });
    } catch (error) {
      return (error as { statusCode?: number })?.statusCode === 404 ? 'missing' : null;
    }
    return { intent, outcome: await this.outcomeOf(intent, request) };
  }

  /** What an attempt's PaymentIntent (its latest charge expanded) says of the charge, reversing an approval whose postal code failed. */
  private async outcomeOf(intent: Stripe.PaymentIntent, request: ChargeLookUpRequest): Promise<ChargeLookUp> {
    if (postalCodeCheckOf(intent) === 'fail') {
      if (intent.status === 'succeeded' || intent.status === 'requires_capture') {
        return this.reverseForPostalCode(intent, request);
      }
      // Canceled by the charge's answer or an earlier look-up: the hold is released already.
      if (intent.status === 'canceled') return declined('incorrect_zip');
    }
    switch (intent.status) {
      case 'succeeded':
        return { outcome: 'approved', reference: intent.id };
      case 'requires_capture':
        // Only a manual-capture charge stops here: it was authorised.
        return { outcome: 'approved', reference: intent.id, authorized: true };
      case 'requires_payment_method': {
        const error = intent.last_payment_error;
        if (!error) return { outcome: 'unknown' };
        const code = mapStripeDecline({ code: error.code, decline_code: error.decline_code, message: error.message });
        return declined(code, safeProcessorMessage(error.message, DECLINE_MESSAGES[code]));
      }
      case 'requires_action':
        await this.cancel(intent.id, request.idempotencyKey);
        return { outcome: 'declined', code: 'card_declined', message: REQUIRES_ACTION_MESSAGE };
      case 'canceled':
        return declined('card_declined');
      default:
        // processing, requires_confirmation: Stripe has not decided yet.
        return { outcome: 'unknown' };
    }
  }

  /** Refunds a PaymentIntent, fully or partly, under the refund's own idempotency key. */
  async refund(request: RefundRequest): Promise<RefundResult> {
    const amount = this.units(request.amount, request.currency);
    if (!amount.ok) return { outcome: 'failed', code: 'invalid_amount', message: `amount: ${amount.message}` };
    try {
      const refund = await this.stripe.refunds.create(
        { payment_intent: request.paymentReference, amount: amount.value, metadata: { payment_id: request.paymentId } },
        { idempotencyKey: request.idempotencyKey },
      );
      if (refund.status === 'succeeded' || refund.status === 'pending') {
        return { outcome: 'approved', reference: refund.id, status: refund.status };
      }
      return { outcome: 'failed', code: 'refund_failed', message: `The refund ended in status ${String(refund.status)}.` };
    } catch (error) {
      const e = error as { code?: string; message?: string };
      return { outcome: 'failed', code: 'refund_failed', message: safeProcessorMessage(e?.message, 'The processor refused the refund.') };
    }
  }

  /** Captures an authorised PaymentIntent (`amount_to_capture`); Stripe refuses more than was authorised. */
  async captureAuthorization(request: CaptureRequest): Promise<SettleResult> {
    const amount = this.units(request.amount, request.currency);
    if (!amount.ok) return { outcome: 'failed', code: 'invalid_amount', message: `amount: ${amount.message}` };
    try {
      const intent = await this.stripe.paymentIntents.capture(request.paymentReference, { amount_to_capture: amount.value }, { idempotencyKey: request.idempotencyKey });
      if (intent.status === 'succeeded') return { outcome: 'approved' };
      return { outcome: 'failed', code: 'capture_failed', message: `The capture ended in status ${intent.status}.` };
    } catch (error) {
      const e = error as { message?: string };
      return { outcome: 'failed', code: 'capture_failed', message: safeProcessorMessage(e?.message, 'The processor refused the capture.') };
    }
  }

  /** Cancels an authorised PaymentIntent, releasing the amount. */
  async voidAuthorization(request: VoidRequest): Promise<SettleResult> {
    try {
      const intent = await this.stripe.paymentIntents.cancel(request.paymentReference, {}, { idempotencyKey: request.idempotencyKey });
      if (intent.status === 'canceled') return { outcome: 'approved' };
      return { outcome: 'failed', code: 'void_failed', message: `The void ended in status ${intent.status}.` };
    } catch (error) {
      const e = error as { message?: string };
      return { outcome: 'failed', code: 'void_failed', message: safeProcessorMessage(e?.message, 'The processor refused the void.') };
    }
  }

  /**
   * The issuer approved, but the billing postal code failed the address check (Stripe approves such a
   * charge unless a Radar rule blocks it). The money must not stay taken: an authorized intent
   * (`requires_capture`) is canceled, which releases the hold; a captured one (`succeeded`) cannot be
   * canceled, so it is refunded in full. Both under keys derived from the attempt's, so a retry
   * reverses once, and so does a look-up of an attempt whose answer was lost (`lookUp`). Declined
   * `incorrect_zip` either way; the message says when the reversal failed.
   */
  private async reverseForPostalCode(intent: Stripe.PaymentIntent, request: Pick<ChargeRequest, 'paymentId' | 'idempotencyKey'>): Promise<ChargeResult> {
    try {
      if (intent.status === 'requires_capture') {
        await this.stripe.paymentIntents.cancel(intent.id, {}, { idempotencyKey: `${request.idempotencyKey}-zip-cancel` });
      } else {
        await this.stripe.refunds.create(
          { payment_intent: intent.id, metadata: { payment_id: request.paymentId, reason: 'postal_code_check_failed' } },
          { idempotencyKey: `${request.idempotencyKey}-zip-refund` },
        );
      }
      return declined('incorrect_zip');
    } catch {
      return declined('incorrect_zip', POSTAL_CODE_NOT_REVERSED_MESSAGE);
    }
  }

  /** A PaymentIntent left waiting for authentication would hold the amount; it is canceled, best effort. */
  private async cancel(intentId: string, idempotencyKey: string): Promise<void> {
    try {
      await this.stripe.paymentIntents.cancel(intentId, {}, { idempotencyKey: `${idempotencyKey}-cancel` });
    } catch {
      // Stripe cancels abandoned intents itself; the caller's answer does not depend on this.
    }
  }
}

/** The address check of the intent's charge (`pass`, `fail`, `unavailable`, `unchecked`), or null when not expanded or absent. */
function postalCodeCheckOf(intent: Stripe.PaymentIntent): string | null {
  const charge = intent.latest_charge;
  if (!charge || typeof charge === 'string') return null;
  return charge.payment_method_details?.card?.checks?.address_postal_code_check ?? null;
}

/** Host, port and protocol of STRIPE_API_URL, in the form the Stripe client takes them. */
export function clientAddress(apiUrl: string | null): Pick<Stripe.StripeConfig, 'host' | 'port' | 'protocol'> {
  if (!apiUrl) return {};
  const url = new URL(apiUrl);
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  return { host: url.hostname, port: url.port || (protocol === 'http' ? 80 : 443), protocol };
}

/** A value inside a search query's single quotes; payment ids never hold quotes, but nothing may break out. */
function searchValue(value: string): string {
  return value.replace(/[\\']/g, (c) => `\\${c}`);
}

/**
 * Whether Stripe may have acted on a request whose answer never came: a time-out or a lost
 * connection (StripeConnectionError), a 5xx (StripeAPIError, or any status of 500 and up) after the
 * client's own retries, or an error that is not Stripe's answer at all. Stripe's 4xx answers
 * (card, invalid request, authentication, permission, idempotency, rate limit) are definite:
 * the request was refused and nothing was charged.
 */
function answerLost(error: unknown): boolean {
  const e = error as { type?: string; statusCode?: number } | null;
  if (!e || typeof e.type !== 'string' || !e.type.startsWith('Stripe')) return true;
  if (e.type === 'StripeConnectionError' || e.type === 'StripeAPIError') return true;
  return typeof e.statusCode !== 'number' || e.statusCode >= 500;
}

/** A charge request whose answer was lost is not a decline: it throws, and the charge is looked up. */
function throwIfAnswerLost(error: unknown): void {
  if (!answerLost(error)) return;
  const type = (error as { type?: unknown } | null)?.type;
  throw new ChargeAnswerLostError('stripe', typeof type === 'string' && /^Stripe[A-Za-z]+$/.test(type) ? type : 'no answer');
}

function fromStripeError(error: unknown): ChargeResult {
  const e = error as { type?: string; rawType?: string; code?: string; decline_code?: string; message?: string };
  if (e?.type === 'StripeCardError' || e?.rawType === 'card_error') {
    const code = mapStripeDecline(e);
    return declined(code, safeProcessorMessage(e.message, DECLINE_MESSAGES[code]));
  }
  // Authentication, rate limits, invalid requests, outages: the caller cannot fix any of them.
  return declined('processing_error');
}

