import creditCardType from 'credit-card-type';
import { validate as passesLuhn } from 'luhn';
import { type CardBrand, isCardBrand } from './cardBrand';

export type CardNumberProblem = 'format' | 'luhn' | 'unknownBrand' | 'brandNotAccepted' | 'length';

export type CardNumberCheck =
  | { ok: true; brand: CardBrand; last4: string; length: number }
  | { ok: false; problem: CardNumberProblem; brand?: CardBrand };

const MAX_CARD_DIGITS = 19;

/** Checks a keyed-in card number: its brand, length and check digit, and whether the brand is accepted. */
export function checkCardNumber(digits: string, acceptedBrands: readonly CardBrand[]): CardNumberCheck {
  // The order of the checks is the order of the most useful re-prompt: unreadable input, then "we
  // don't know that card", then "a digit is missing or extra", then "a digit is wrong", and only for
  // an otherwise good number "we don't take that card". A short number is not a 'format' problem for
  // the same reason: once the brand is known, "too short for a Visa" says more.
  if (!/^[0-9]+$/.test(digits) || digits.length > MAX_CARD_DIGITS) {
    return { ok: false, problem: 'format' };
  }

  const candidates = creditCardType(digits).flatMap((card) =>
    isCardBrand(card.type) ? [{ brand: card.type, lengths: card.lengths }] : [],
  );
  const first = candidates[0];
  if (first === undefined) {
    return { ok: false, problem: 'unknownBrand' };
  }
  // credit-card-type usually settles on one brand for a full number; when several prefixes still
  // match, the length rules are what tell the brands apart.
  const match = candidates.find((candidate) => candidate.lengths.includes(digits.length));
  if (match === undefined) {
    return { ok: false, problem: 'length', brand: first.brand };
  }
  const { brand } = match;

  // UnionPay is Luhn-checked too (card-validator's luhnValidateUnionPay): its cards carry a check
  // digit, so a failure is far more likely a mistyped digit than a card the processor would take.
  if (!passesLuhn(digits)) {
    return { ok: false, problem: 'luhn', brand };
  }
  if (!acceptedBrands.includes(brand)) {
    return { ok: false, problem: 'brandNotAccepted', brand };
  }
  return { ok: true, brand, last4: digits.slice(-4), length: digits.length };
}

/** How many digits the brand's security code has: 4 for American Express, 3 otherwise. */
export function securityCodeLength(brand: CardBrand): number {
  // getTypeInfo returns null for a type it does not know, whatever its declaration says.
  const info = creditCardType.getTypeInfo(brand) as ReturnType<typeof creditCardType.getTypeInfo> | null;
  return info?.code.size ?? 3;
}
