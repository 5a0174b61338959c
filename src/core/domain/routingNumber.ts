/**
 * A US bank routing number (ABA routing transit number): 9 digits whose weighted sum
 * 3·d1 + 7·d2 + 1·d3 + 3·d4 + 7·d5 + 1·d6 + 3·d7 + 7·d8 + 1·d9 is a multiple of 10. The check
 * catches every single mistyped digit and most swaps of neighbours, so the caller hears at once that
 * the number is wrong instead of days later when the debit is returned.
 */
export type RoutingNumberProblem = 'format' | 'length' | 'checksum';

export const ROUTING_NUMBER_LENGTH = 9;

const WEIGHTS = [3, 7, 1, 3, 7, 1, 3, 7, 1] as const;

/** Whether 9 digits pass the ABA checksum. */
export function abaChecksumValid(digits: string): boolean {
  if (!/^[0-9]{9}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < ROUTING_NUMBER_LENGTH; i += 1) sum += WEIGHTS[i]! * Number(digits[i]);
  return sum % 10 === 0;
}

/** Checks a typed routing number: digits only ("format"), exactly 9 ("length"), the ABA checksum ("checksum"). */
export function checkRoutingNumber(digits: string): { ok: true } | { ok: false; problem: RoutingNumberProblem } {
  if (!/^[0-9]+$/.test(digits)) return { ok: false, problem: 'format' };
  if (digits.length !== ROUTING_NUMBER_LENGTH) return { ok: false, problem: 'length' };
  return abaChecksumValid(digits) ? { ok: true } : { ok: false, problem: 'checksum' };
}
