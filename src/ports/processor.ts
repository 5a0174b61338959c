import type { AccountType } from '../core/domain/bankAccount';
import type { AmountInUnits } from '../core/domain/units';
import type { DebitAuthorization } from '../core/payments/debitAuthorization';

export type { AmountInUnits };

/** Decline codes as the contract names them (Stripe's vocabulary). */
export type DeclineCode =
  | 'card_declined'
  | 'insufficient_funds'
  | 'incorrect_cvc'
  | 'expired_card'
  | 'processing_error'
  | 'incorrect_zip'
  | 'account_closed'
  | 'no_account'
  | 'debit_not_authorized'
  | 'invalid_bank_account';

export const DECLINE_CODES: readonly DeclineCode[] = [
  'card_declined',
  'insufficient_funds',
  'incorrect_cvc',
  'expired_card',
  'processing_error',
  /** The billing postal code failed the address check; the charge was canceled or refunded. */
  'incorrect_zip',
  /** Bank debits (Stripe's ACH return codes): the account is closed, */
  'account_closed',
  /** no account matches the routing and account numbers, */
  'no_account',
  /** the account holder told the bank the debit was not authorised, */
  'debit_not_authorized',
  /** or the numbers are not an account that takes debits. */
  'invalid_bank_account',
];

/**
 * A bank debit (`"method": "ach"` flows): the account holder's name (Stripe requires one), the account
 * type, and the caller's recorded acceptance, which the processor keeps as the mandate.
 */
export interface BankDebitRequest {
  accountHolderName: string;
  accountType: AccountType;
  authorization: DebitAuthorization;
}

export interface ChargeRequest {
  /** One-time vault token; the adapter redeems it and nothing else does. */
  token: string;
  paymentId: string;
  /** Decimal string as the API received it, e.g. "12.34"; the adapter converts it with `units`. */
  amount: string;
  currency: string;
  /** Same key for every retry of one charge attempt, so a retry can never charge twice. */
  idempotencyKey: string;
  description?: string;
  callSid?: string;
  /** `manual`: authorise only; the amount is taken later with `captureAuthorization`. Absent: charge at once. */
  capture?: 'automatic' | 'manual';
  /** Present for a bank debit: the token is then a bank token (`Vault.redeemBankToken`), not a card's. */
  bankDebit?: BankDebitRequest;
}

export type ChargeResult =
  /** `authorized`: a manual-capture charge the processor holds, not yet taken (`reference` names the authorisation). */
  | { outcome: 'approved'; reference: string; authorized?: boolean }
  | { outcome: 'declined'; code: DeclineCode; message: string };

export interface RefundRequest {
  paymentId: string;
  /** The processor's reference of the charge being refunded (what `charge` answered). */
  paymentReference: string;
  /** Decimal string of the refunded amount, e.g. "5.00"; the adapter converts it with `units`. */
  amount: string;
  currency: string;
  /** Same key for every retry of one refund, so a retry can never refund twice. */
  idempotencyKey: string;
}

export type RefundResult =
  | { outcome: 'approved'; reference: string; status: 'succeeded' | 'pending' }
  | { outcome: 'failed'; code: string; message: string };

/** Takes all or part of an authorised amount. */
export interface CaptureRequest {
  paymentId: string;
  /** The processor's reference of the authorisation (what `charge` answered). */
  paymentReference: string;
  /** Decimal string of the amount taken, at most the authorised amount; the adapter converts it with `units`. */
  amount: string;
  currency: string;
  /** Same key for every retry of one capture. */
  idempotencyKey: string;
}

/** Releases an authorisation without taking anything. */
export interface VoidRequest {
  paymentId: string;
  paymentReference: string;
  idempotencyKey: string;
}

/** What a capture or void came to; `failed` leaves the authorisation as it was. */
export type SettleResult = { outcome: 'approved' } | { outcome: 'failed'; code: string; message: string };

/** Which charge to look up: the attempt's idempotency key names it; no card data is needed. */
export interface ChargeLookUpRequest {
  paymentId: string;
  idempotencyKey: string;
}

/**
 * A bank debit accepted for settlement (ACH settles in days): `reference` names it. Only `charge`
 * answers it; the charge's outcome comes later from `lookUp` (or the processor's own webhook).
 */
export interface ChargeSubmitted {
  outcome: 'processing';
  reference: string;
}

/** What a charge answers: its outcome, or (a bank debit) that it was submitted. */
export type ChargeAnswer = ChargeResult | ChargeSubmitted;

/**
 * What the processor says of an earlier charge: its answer, or `unknown` while it has none to give
 * (a bank debit still settling is `unknown`).
 */
export type ChargeLookUp = ChargeResult | { outcome: 'unknown' };

/** Saves a captured card for later charges instead of charging it (a payment of intent `save_card`). */
export interface SaveCardRequest {
  /** One-time vault token, as for a charge; the adapter redeems it and nothing else does. */
  token: string;
  paymentId: string;
  /** Same key for every retry of one save, so a retry never makes a second customer or token. */
  idempotencyKey: string;
  callSid?: string;
}

/**
 * The processor's reusable handle on a saved card: `paymentMethod` is its token (Stripe's
 * PaymentMethod id, the connector's token, the sandbox's keyed HMAC), `customer` the customer it is
 * attached to where the processor has one. The expiry is kept to show, never the number.
 */
export type SaveCardResult =
  | { outcome: 'saved'; customer: string | null; paymentMethod: string; expiry: { month: number; year: number } }
  | { outcome: 'declined'; code: DeclineCode; message: string };

/**
 * What the processor says of an earlier save whose answer never reached the gateway (named by the
 * save's idempotency key, as a charge look-up is). The expiry is the processor's record of it, null
 * when the processor does not say. `unknown` while it has no definite answer: asked again later.
 */
export type SaveLookUp =
  | { outcome: 'saved'; customer: string | null; paymentMethod: string; expiry: { month: number; year: number } | null }
  | { outcome: 'declined'; code: DeclineCode; message: string }
  | { outcome: 'unknown' };

/** An off-session charge of a saved card: no card data, the processor's token instead. */
export interface SavedChargeRequest {
  paymentMethod: string;
  customer: string | null;
  paymentId: string;
  /** Decimal string, converted by the adapter with `units`. */
  amount: string;
  currency: string;
  idempotencyKey: string;
  description?: string;
}

/** Removes a saved card at the processor (Stripe: detaches the PaymentMethod), so its token charges nothing more. */
export interface DeleteSavedRequest {
  paymentMethod: string;
  customer: string | null;
  /** Same key for every retry of one deletion. */
  idempotencyKey: string;
}

/** `deleted` also when the processor no longer had the card: deleting is idempotent. `failed` changed nothing. */
export type DeleteSavedResult = { outcome: 'deleted' } | { outcome: 'failed'; message: string };

/** A payment processor adapter: receives a vault token, answers approved or declined. */
export interface Processor {
  readonly name: string;
  /**
   * The amount as the integer this processor's API expects, from the processor's own table (which
   * need not be ISO 4217's or CLDR's), or why it cannot take the amount exactly. Payments are
   * refused at creation on this answer, and the adapter sends nothing else.
   */
  units(amount: string, currency: string): AmountInUnits;
  /** A card charge answers approved or declined; a bank debit may answer `processing` (see ChargeSubmitted). */
  charge(request: ChargeRequest): Promise<ChargeAnswer>;
  /**
   * The outcome of a charge whose answer never reached the gateway (it timed out, threw, or the
   * process died). Never throws: anything short of a definite answer is `unknown`, and is asked again.
   */
  lookUp?(request: ChargeLookUpRequest): Promise<ChargeLookUp>;
  /** Refunds all or part of an approved charge; adapters that cannot refund leave it out. */
  refund?(request: RefundRequest): Promise<RefundResult>;
  /** Takes an authorised amount (`capture: 'manual'` charges); adapters that cannot authorise leave both out. */
  captureAuthorization?(request: CaptureRequest): Promise<SettleResult>;
  /** Releases an authorisation. */
  voidAuthorization?(request: VoidRequest): Promise<SettleResult>;
  /** Turns a captured card into a reusable token (see SaveCardResult); adapters that cannot save leave it out. */
  saveCard?(request: SaveCardRequest): Promise<SaveCardResult>;
  /** The outcome of a save whose answer was lost (see SaveLookUp). Never throws. */
  lookUpSave?(request: ChargeLookUpRequest): Promise<SaveLookUp>;
  /** Charges a card saved by `saveCard`, with no caller present (off-session). Never throws. */
  chargeSaved?(request: SavedChargeRequest): Promise<ChargeResult>;
  /** Removes a card saved by `saveCard`. Never throws. */
  deleteSaved?(request: DeleteSavedRequest): Promise<DeleteSavedResult>;
}
