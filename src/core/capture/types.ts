import type { AccountType } from '../domain/bankAccount';
import type { CardBrand } from '../domain/cardBrand';
import type { DebitAuthorization } from '../payments/debitAuthorization';
import type { DeclineCode } from '../../ports/processor';
import type { PromptKey } from '../flows/promptKeys';
import type { BankField, CaptureField, CardField } from '../flows/schema';

/** The fields the vault keeps: all but the account number's repeat (only compared) and the account type (not secret). */
export type VaultedField = Exclude<CaptureField, 'accountNumberAgain' | 'accountType'>;

/** What the capture knows of the payment it is taking: never card data. */
export interface PaymentSummary {
  id: string;
  amount: string;
  currency: string;
  description: string | null;
  /** `save_card`: the capture saves the card instead of charging; no amount is spoken or confirmed. */
  intent?: 'save_card';
}

/** A prompt to say before the state's own prompt, with what it needs beyond the context. */
export interface Notice {
  key: PromptKey;
  /** The brand a rejected card number was recognised as, for "we cannot accept {brand} cards". */
  brand?: CardBrand;
}

export type FailureCode = DeclineCode | 'too_many_attempts' | 'caller_hung_up' | 'caller_line_dropped';

export interface Failure {
  code: FailureCode;
  message: string;
}

/**
 * The machine's context. It holds only masked facts (brand, last 4, which fields are captured) and
 * counters: card data passes through the machine in events and leaves it by `vault.put` emissions.
 */
export interface CaptureContext {
  locale: string;
  payment: PaymentSummary | null;
  /** Mistakes and timeouts in the current step; reset whenever the step changes. */
  attempts: number;
  card: { brand: CardBrand; last4: string } | null;
  /** Which fields are typed and valid; a bank debit's only in bank-debit flows (absent in a card capture). */
  captured: Record<CardField | 'postalCode', boolean> & Partial<Record<BankField, boolean>>;
  /** Charges attempted in this call; each gets its own idempotency key. */
  chargeAttempts: number;
  lastDecline: Failure | null;
  /** The gateway's short reference, read to the caller once approved. */
  reference: string | null;
  /** The processor's id of the approved charge or authorisation; never read to the caller. */
  processorReference: string | null;
  /** The approval was an authorisation only (a manual-capture payment). */
  authorized: boolean;
  failure: Failure | null;
  /** Prompts to say before the current state's own prompt (an error, an intro, a result). */
  notices: Notice[];
  /** Length of the security code the current card needs; 0 until the brand is known. */
  securityCodeLength: number;
  referenceRepeats: number;
  /** ISO time at which the capture started waiting for the agent (agent-confirmation flows). */
  waitingSince: string | null;
  /** Set when the caller hangs up while the processor is still answering. */
  callEnded: boolean;
  /**
   * Bank-debit flows: the account as it may be shown (last 4 once the account number is valid, its
   * type once chosen). Absent on sessions of earlier releases.
   */
  bankAccount?: { last4: string; accountType: AccountType | null } | null;
  /** Bank-debit flows: how often the account number's two entries differed in this call. */
  accountMismatches?: number;
  /** Bank-debit flows: the caller's acceptance of the spoken authorisation, once given. */
  debitAuthorization?: DebitAuthorization | null;
}

export type CaptureEvent =
  /**
   * The runner looked the typed pay code up; null when it matches no payment that can be paid.
   * `locale`, when given, is the payment's language (one the flow speaks), which the call takes on.
   */
  | { type: 'payCode.entered'; payment: PaymentSummary | null; locale?: string }
  /**
   * Keys the caller typed (the finish key removed); `at` is the time of the turn, for expiry rules.
   * `sameAsAccountNumber`: for the account number's second entry only, whether the runner found it
   * equal to the vaulted first one (the machine never holds the number to compare).
   */
  | { type: 'dtmf.entered'; digits: string; at: string; sameAsAccountNumber?: boolean }
  | { type: 'dtmf.timedOut' }
  /** `reference`: the gateway's short one; `processorReference`: the processor's id; `authorized`: held, not taken. */
  | { type: 'processor.approved'; reference: string; processorReference?: string; authorized?: boolean }
  | { type: 'processor.declined'; code: DeclineCode; message: string }
  /** A bank debit was accepted for settlement: its outcome comes days later (`reference` as for an approval). */
  | { type: 'processor.submitted'; reference: string; processorReference?: string }
  /** The processor has not answered within the hold limit; the charge is settled after the call. */
  | { type: 'processor.overdue' }
  | { type: 'agent.confirmed' }
  | { type: 'agent.reenter' }
  | { type: 'agent.timedOut' }
  /** The agent chose another card for the caller after a decline: the caller's own "press 1". */
  | { type: 'agent.retried' }
  /** The agent stopped the capture from the panel; the caller goes back to the agent. */
  | { type: 'agent.canceled' }
  | { type: 'call.hungUp' }
  /** Agent-guided flows: the agent asks the caller for a field; its keys are collected until `#` or a pause. */
  | { type: 'agent.requested'; field: CaptureField }
  /** Agent-guided flows: every field is valid and the agent, having read the amount and last 4 aloud, charges. */
  | { type: 'agent.charged' }
  /** Agent-guided flows: the caller's media stream broke off without the call ending on Twilio's word. */
  | { type: 'call.dropped' }
  /** The call is turned away before any capture: no payment it may take, or a fault; `notice` says why. */
  | { type: 'call.refused'; notice: 'payment.unavailable' | 'error.system' };

/** Side effects the machine asks for; the turn runner carries them out before it commits the turn. */
export type CaptureEmitted =
  | { type: 'vault.put'; field: VaultedField; value: string }
  | { type: 'vault.discard'; fields: CaptureField[] };

export interface CaptureInput {
  locale: string;
  payment: PaymentSummary | null;
}
