/**
 * The billing postal code a flow may ask for, for the processor's address check. Keypads type digits
 * only, so a rule is a number of digits: a US ZIP code is 5; other countries are configured by the
 * shortest and longest length their (digits-only) codes have.
 */
export type PostalCodeRule = { country: 'US' } | { digits: [number, number] };

export type PostalCodeProblem = 'format' | 'length';

/** The shortest and the longest length a rule accepts. */
export function postalCodeLengths(rule: PostalCodeRule): { min: number; max: number } {
  if ('country' in rule) return { min: 5, max: 5 };
  return { min: rule.digits[0], max: rule.digits[1] };
}

/** Checks a typed postal code: digits only ("format"), and as many as the rule allows ("length"). */
export function checkPostalCode(code: string, rule: PostalCodeRule): { ok: true } | { ok: false; problem: PostalCodeProblem } {
  if (!/^[0-9]+$/.test(code)) return { ok: false, problem: 'format' };
  const { min, max } = postalCodeLengths(rule);
  return code.length >= min && code.length <= max ? { ok: true } : { ok: false, problem: 'length' };
}
