/**
 * A US bank account number and its type, as a bank debit (ACH) takes them. Account numbers have no
 * check digit and no common length: NACHA allows up to 17 characters, and banks use 4 or more
 * digits, so the caller types it twice and the two entries must match.
 */
export type AccountNumberProblem = 'format' | 'length';

export const ACCOUNT_NUMBER_LENGTHS = { min: 4, max: 17 } as const;

/** Checks a typed account number: digits only ("format"), 4 to 17 of them ("length"). */
export function checkAccountNumber(digits: string): { ok: true; last4: string } | { ok: false; problem: AccountNumberProblem } {
  if (!/^[0-9]+$/.test(digits)) return { ok: false, problem: 'format' };
  if (digits.length < ACCOUNT_NUMBER_LENGTHS.min || digits.length > ACCOUNT_NUMBER_LENGTHS.max) return { ok: false, problem: 'length' };
  return { ok: true, last4: digits.slice(-4) };
}

export const ACCOUNT_TYPES = ['checking', 'savings'] as const;
export type AccountType = (typeof ACCOUNT_TYPES)[number];

/** "Press 1 for checking, 2 for savings": the key's account type, or null for any other entry. */
export function accountTypeOfKey(digits: string): AccountType | null {
  return digits === '1' ? 'checking' : digits === '2' ? 'savings' : null;
}

/** A bank account as it may be shown or logged: "Bank •••• 6789" (never more than the last 4). */
export function maskedBankAccount(last4: string): string {
  return `Bank •••• ${last4.slice(-4)}`;
}
