/**
 * A failure or decline code in words an agent can say to the caller (lower case, to sit inside a
 * sentence). Every masked view (the panel, the chat-link cards, the embeddable status) says them the same way.
 */
const REASONS: Record<string, string> = {
  card_declined: 'card declined',
  insufficient_funds: 'insufficient funds',
  incorrect_cvc: 'wrong security code',
  expired_card: 'card expired',
  processing_error: 'processing error',
  account_closed: 'bank account closed',
  no_account: 'no such bank account',
  debit_not_authorized: 'debit not authorised by the account holder',
  invalid_bank_account: 'bank account cannot be debited',
  too_many_attempts: 'too many tries',
  caller_hung_up: 'the caller hung up',
  caller_line_dropped: "the caller's line dropped",
};

export function reasonOf(code: string): string {
  return REASONS[code] ?? code.replace(/_/g, ' ');
}

/** The same words starting a sentence ("Card declined"). */
export function reasonSentenceOf(code: string): string {
  const words = reasonOf(code);
  return words.charAt(0).toUpperCase() + words.slice(1);
}
