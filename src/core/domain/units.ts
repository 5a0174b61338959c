import { currencyRefusal, isoDecimals } from './currencies';

/** A decimal amount in a processor's integer units, or why that processor cannot take it exactly. */
export type AmountInUnits = { ok: true; value: number; exponent: number } | { ok: false; message: string };

export interface UnitRules {
  /** The integer sent is the amount times 10^exponent. */
  exponent: number;
  /** The integer must be a multiple of this (Stripe: 100 for ISK, 10 for three-decimal currencies). */
  step?: number;
  /** The largest integer the processor takes. */
  max?: number;
  /** Completes "<amount> <currency> cannot be charged exactly: …" when the amount is not a multiple of step. */
  stepReason?: string;
}

const DECIMAL = /^([0-9]+)(?:\.([0-9]+))?$/;

/**
 * Converts a decimal amount ("12.34") into integer units of 10^-exponent, exactly or not at all:
 * an amount with more precision than the units hold is refused, never rounded, because rounding
 * would charge someone a price nobody set.
 */
export function toUnits(amount: string, currency: string, who: string, rules: UnitRules): AmountInUnits {
  const match = DECIMAL.exec(amount);
  if (!match) return { ok: false, message: 'must be a plain decimal number such as 12.34' };
  const whole = match[1] ?? '';
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  if (fraction.length > rules.exponent) {
    const places = rules.exponent === 0 ? 'no decimal places' : `at most ${rules.exponent} decimal place${rules.exponent === 1 ? '' : 's'}`;
    return { ok: false, message: `${amount} ${currency} cannot be charged exactly: ${who} takes ${currency} amounts with ${places}` };
  }
  if (whole.replace(/^0+/, '').length > 15) return { ok: false, message: `${amount} ${currency} is too large for ${who}` };
  // BigInt keeps the arithmetic exact: binary floating point cannot hold most decimal fractions.
  const value = BigInt(whole + fraction.padEnd(rules.exponent, '0'));
  if (value === 0n) return { ok: false, message: 'must be greater than zero' };
  const step = BigInt(rules.step ?? 1);
  if (value % step !== 0n) {
    return { ok: false, message: `${amount} ${currency} cannot be charged exactly: ${rules.stepReason ?? `${who} takes ${currency} only in steps of ${step} units`}` };
  }
  if (value > BigInt(rules.max ?? Number.MAX_SAFE_INTEGER)) return { ok: false, message: `${amount} ${currency} is more than ${who} takes in one payment` };
  return { ok: true, value: Number(value), exponent: rules.exponent };
}

/** ISO 4217's minor units: what a processor without a table of its own expects. */
export function isoUnits(amount: string, currency: string, who: string): AmountInUnits {
  const exponent = isoDecimals(currency);
  if (exponent === null) return { ok: false, message: currencyRefusal(currency) };
  return toUnits(amount, currency, who, { exponent });
}
