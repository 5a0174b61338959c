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
