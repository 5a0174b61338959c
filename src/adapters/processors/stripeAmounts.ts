import { currencyRefusal, isoDecimals } from '../../core/domain/currencies';
import { toUnits, type AmountInUnits } from '../../core/domain/units';

/**
 * Stripe's own table of amount units (docs.stripe.com/currencies), which is not ISO 4217's and not
 * CLDR's: an amount in the wrong units is charged 100 times too little or too much.
 */
const ZERO_DECIMAL = new Set(['BIF', 'CLP', 'DJF', 'GNF', 'JPY', 'KMF', 'KRW', 'MGA', 'PYG', 'RWF', 'UGX', 'VND', 'VUV', 'XAF', 'XOF', 'XPF']);
/** Three decimals, and Stripe's partners need the last one to be 0. */
const THREE_DECIMAL = new Set(['BHD', 'JOD', 'KWD', 'OMR', 'TND']);
/** Stripe's "amount" holds at most eight digits (99999999: 999,999.99 USD). */
const MAX_AMOUNT = 99_999_999;
const WHO = 'Stripe';

/** A decimal amount as the integer Stripe's API expects, or why Stripe cannot take it exactly. */
export function stripeUnits(amount: string, currency: string): AmountInUnits {
  const iso = isoDecimals(currency);
  if (iso === null) return { ok: false, message: currencyRefusal(currency) };
  if (ZERO_DECIMAL.has(currency)) return toUnits(amount, currency, WHO, { exponent: 0, max: MAX_AMOUNT });
  if (THREE_DECIMAL.has(currency)) {
    return toUnits(amount, currency, WHO, { exponent: 3, step: 10, max: MAX_AMOUNT, stepReason: `${WHO} takes ${currency} amounts whose third decimal is 0` });
  }
  if (currency === 'ISK') {
    // Whole krónur only, yet still written with two decimals: 100 is 1 króna.
    return toUnits(amount, currency, WHO, { exponent: 2, step: 100, max: MAX_AMOUNT, stepReason: `${WHO} takes ISK in whole krónur only` });
  }
  if (iso > 2) return { ok: false, message: `${WHO} does not take ${currency}` };
  // Everything else, HUF and TWD included (zero-decimal for Stripe's payouts only), has two decimals.
  return toUnits(amount, currency, WHO, { exponent: 2, max: MAX_AMOUNT });
}
