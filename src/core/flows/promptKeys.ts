/**
 * Every prompt a phone flow must define, per locale. The machine names prompts by these keys and the
 * TwiML renderer fills their {placeholders}; the flow schema refuses a flow that misses one.
 */
export const PROMPT_KEYS = [
  'payCode.ask',
  'payCode.unknown',
  'payCode.timeout',
  'payCode.tooManyAttempts',
  'payment.unavailable',
  'intro',
  /** Opens a `save_card` capture: no amount. */
  'intro.save',
  'cardNumber.ask',
  'cardNumber.timeout',
  'cardNumber.error.format',
  'cardNumber.error.luhn',
  'cardNumber.error.unknownBrand',
  'cardNumber.error.brandNotAccepted',
  'cardNumber.error.length',
  'expiry.ask',
  'expiry.timeout',
  'expiry.error.format',
  'expiry.error.month',
  'expiry.error.expired',
  'expiry.error.tooFarAhead',
  'securityCode.ask',
  'securityCode.timeout',
  'securityCode.error.format',
  'securityCode.error.length',
  /** Only flows that ask for the billing postal code (`postalCode`) define these, and `declined.incorrect_zip`. */
  'postalCode.ask',
  'postalCode.timeout',
  'postalCode.error.format',
  'postalCode.error.length',
  /** Only bank-debit flows (`"method": "ach"`) define these, the `authorization.*`, `submitted` and `declined.bank`. */
  'routingNumber.ask',
  'routingNumber.timeout',
  'routingNumber.error.format',
  'routingNumber.error.length',
  'routingNumber.error.checksum',
  'accountNumber.ask',
  'accountNumber.timeout',
  'accountNumber.error.format',
  'accountNumber.error.length',
  'accountNumberAgain.ask',
  'accountNumberAgain.timeout',
  'accountNumberAgain.error.format',
  'accountNumberAgain.error.length',
  /** The second entry differed from the first: the account number is asked again from the start. */
  'accountNumberAgain.error.mismatch',
  'accountType.ask',
  'accountType.timeout',
  'accountType.error.format',
  /**
   * The debit authorisation the caller accepts with 1 (2 re-enters the account): the words a
   * phone-authorised debit needs (amount, account last 4, that it is a one-time debit, how to revoke).
   * Its SHA-256 is kept with the acceptance, so the words heard can be proven later.
   */
  'authorization.ask',
  /** A bank debit was submitted: it settles in days; {reference} names it. */
  'submitted',
  'declined.bank',
  'goingBack',
  'confirm.ask',
  /** A `save_card` capture's question once every field is valid. */
  'confirm.save',
  'confirm.invalid',
  'confirm.timeout',
  'confirm.reenter',
  'agentCheck.wait',
  'agentCheck.reenter',
  'processing',
  'processing.stillWorking',
  'processing.later',
  'approved',
  'approved.repeat',
  /** The card was saved; {reference} names the saved card. */
  'saved',
  'declined.card_declined',
  'declined.insufficient_funds',
  'declined.incorrect_cvc',
  'declined.incorrect_zip',
  'declined.expired_card',
  'declined.processing_error',
  'declined.retry',
  'declined.final',
  'choice.invalid',
  'tooManyAttempts',
  'canceled',
  'goodbye',
  /** Said before every hang-up that ends a call, so no other prompt says goodbye itself. */
  'farewell',
  /** Said instead of the farewell when the capture hands the caller back to their agent. */
  'returnToAgent',
  'error.system',
] as const;

export type PromptKey = (typeof PROMPT_KEYS)[number];

/**
 * Prompts a flow may define and need not: flows written before them still load. `authorized` is said
 * instead of `approved` when a `capture: "manual"` payment is authorised; a flow without it says `approved`.
 */
export const OPTIONAL_PROMPT_KEYS = ['authorized'] as const;

/** The prompts a flow needs only when it asks for the billing postal code. */
export const POSTAL_CODE_PROMPT_KEYS: readonly PromptKey[] = [
  'postalCode.ask',
  'postalCode.timeout',
  'postalCode.error.format',
  'postalCode.error.length',
  'declined.incorrect_zip',
];

/** The prompts only a bank-debit flow needs. */
export const BANK_PROMPT_KEYS: readonly PromptKey[] = PROMPT_KEYS.filter(
  (key) => /^(routingNumber|accountNumber|accountNumberAgain|accountType|authorization)\./.test(key) || key === 'submitted' || key === 'declined.bank',
);

/** The prompts only a card flow needs: its fields, its confirmations, its decline reasons. */
export const CARD_PROMPT_KEYS: readonly PromptKey[] = PROMPT_KEYS.filter(
  (key) =>
    /^(cardNumber|expiry|securityCode|postalCode|agentCheck)\./.test(key) ||
    ['intro.save', 'confirm.ask', 'confirm.save', 'saved'].includes(key) ||
    (key.startsWith('declined.') && !['declined.bank', 'declined.retry', 'declined.final'].includes(key)),
);

/**
 * The prompts a flow must define in every locale: a bank debit's own and the common ones; for a card
 * flow all but the bank debit's, less the postal code's when it asks none.
 */
export function requiredPromptKeys(flow: { postalCode?: unknown; method?: string }): readonly PromptKey[] {
  if (flow.method === 'ach') return PROMPT_KEYS.filter((key) => !CARD_PROMPT_KEYS.includes(key));
  return PROMPT_KEYS.filter((key) => !BANK_PROMPT_KEYS.includes(key) && (flow.postalCode || !POSTAL_CODE_PROMPT_KEYS.includes(key)));
}

/** Placeholders a prompt may use; the renderer fills them from the capture's masked context. */
export const PROMPT_PLACEHOLDERS = ['amount', 'description', 'brand', 'last4', 'length', 'reference', 'digits', 'accountType'] as const;
