import cardValidator from 'card-validator';
import type { CardBrand } from './cardBrand';
import { securityCodeLength } from './cardNumber';

export type SecurityCodeProblem = 'format' | 'length';

/** Checks a keyed-in security code against the length the card's brand uses. */
export function checkSecurityCode(
  code: string,
  brand: CardBrand,
): { ok: true } | { ok: false; problem: SecurityCodeProblem; expectedLength: number } {
  const expectedLength = securityCodeLength(brand);
  if (cardValidator.cvv(code, expectedLength).isValid) {
    return { ok: true };
  }
  // Telling "not digits" from "wrong count" lets the prompt say how many digits to enter.
  const problem: SecurityCodeProblem = /^[0-9]+$/.test(code) ? 'length' : 'format';
  return { ok: false, problem, expectedLength };
}
