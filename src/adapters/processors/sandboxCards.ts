import type { CardBrand } from '../../core/domain/cardBrand';
import type { DeclineCode } from '../../ports/processor';

/** What the sandbox does with a card: 'succeeded' approves, anything else declines with that code. */
export type SandboxOutcome = 'succeeded' | DeclineCode;

export interface SandboxCard {
  number: string;
  brand: CardBrand;
  outcome: SandboxOutcome;
}

/**
 * Stripe's published test numbers and the outcome the sandbox gives each. Kept in source rather
 * than read from the test fixtures so a deployed sandbox behaves the same without the test tree.
 */
export const SANDBOX_CARDS: readonly SandboxCard[] = [
  { number: '4242424242424242', brand: 'visa', outcome: 'succeeded' },
  { number: '4000056655665556', brand: 'visa', outcome: 'succeeded' },
  { number: '5555555555554444', brand: 'mastercard', outcome: 'succeeded' },
  { number: '2223003122003222', brand: 'mastercard', outcome: 'succeeded' },
  { number: '5105105105105100', brand: 'mastercard', outcome: 'succeeded' },
  { number: '378282246310005', brand: 'american-express', outcome: 'succeeded' },
  { number: '6011111111111117', brand: 'discover', outcome: 'succeeded' },
  { number: '3056930009020004', brand: 'diners-club', outcome: 'succeeded' },
  { number: '3566002020360505', brand: 'jcb', outcome: 'succeeded' },
  { number: '6200000000000005', brand: 'unionpay', outcome: 'succeeded' },
  { number: '4000000000000002', brand: 'visa', outcome: 'card_declined' },
  { number: '4000000000009995', brand: 'visa', outcome: 'insufficient_funds' },
  { number: '4000000000000069', brand: 'visa', outcome: 'expired_card' },
  { number: '4000000000000127', brand: 'visa', outcome: 'incorrect_cvc' },
  { number: '4000000000000119', brand: 'visa', outcome: 'processing_error' },
];

const OUTCOME_BY_NUMBER: ReadonlyMap<string, SandboxOutcome> = new Map(
  SANDBOX_CARDS.map((card) => [card.number, card.outcome]),
);

/**
 * The sandbox's address check: a billing postal code made only of zeros (00000 for a US ZIP code)
 * fails it, so an otherwise approved charge is canceled and declined with `incorrect_zip`; every
 * other postal code passes.
 */
export function sandboxPostalCodeFails(postalCode: string): boolean {
  return /^0+$/.test(postalCode);
}

/** The scripted outcome for a test number; any other number succeeds. */
export function sandboxOutcomeFor(cardNumber: string): SandboxOutcome {
  return OUTCOME_BY_NUMBER.get(cardNumber) ?? 'succeeded';
}

/** What the sandbox's bank does with a debit: 'succeeded' settles it, anything else returns it with that code. */
export type SandboxBankOutcome = 'succeeded' | 'account_closed' | 'no_account' | 'insufficient_funds' | 'debit_not_authorized';

/** Stripe's test routing number; any routing number that passes the ABA check is taken. */
export const SANDBOX_ROUTING_NUMBER = '110000000';

/**
 * Stripe's test bank account numbers (ACH Direct Debit) and how the sandbox settles a debit of each:
 * kept beside the card table, for the same reason. Any other account number settles.
 */
export const SANDBOX_BANK_ACCOUNTS: readonly { accountNumber: string; outcome: SandboxBankOutcome }[] = [
  { accountNumber: '000123456789', outcome: 'succeeded' },
  { accountNumber: '000111111113', outcome: 'account_closed' },
  { accountNumber: '000111111116', outcome: 'no_account' },
  { accountNumber: '000222222227', outcome: 'insufficient_funds' },
  { accountNumber: '000333333335', outcome: 'debit_not_authorized' },
];

/** How a debit of the account settles, days later at a bank, in the sandbox after its settle delay. */
export function sandboxBankOutcomeFor(accountNumber: string): SandboxBankOutcome {
  return SANDBOX_BANK_ACCOUNTS.find((a) => a.accountNumber === accountNumber)?.outcome ?? 'succeeded';
}
