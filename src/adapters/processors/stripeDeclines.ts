import type { DeclineCode } from '../../ports/processor';
import { isDeclineCode } from './cardFields';

/** Stripe error fields the mapping reads (a StripeCardError, or the `error` object of a 402). */
export interface StripeDecline {
  code?: string | undefined;
  decline_code?: string | undefined;
  message?: string | undefined;
}

/**
 * Maps Stripe's card error to the contract's codes. Stripe puts the issuer's reason in
 * `decline_code` (insufficient_funds) and its own in `code` (expired_card, incorrect_cvc,
 * processing_error); whichever the contract knows wins, and anything else is a plain decline.
 */
export function mapStripeDecline(error: StripeDecline): DeclineCode {
  if (isDeclineCode(error.decline_code)) return error.decline_code;
  if (isDeclineCode(error.code)) return error.code;
  // Stripe's own spellings of the same reasons.
  if (error.code === 'invalid_cvc') return 'incorrect_cvc';
  if (error.code === 'invalid_expiry_month' || error.code === 'invalid_expiry_year') return 'expired_card';
  return 'card_declined';
}

