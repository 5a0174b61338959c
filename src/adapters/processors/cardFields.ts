import type { AmountInUnits, ChargeResult, DeclineCode, SaveCardResult } from '../../ports/processor';
import { DECLINE_CODES } from '../../ports/processor';
import type { CardData, Vault } from '../../ports/vault';
import { DECLINE_MESSAGES } from './sandboxProcessor';

/** A decline answer with the contract's code and a message safe to show. */
export function declined(code: DeclineCode, message: string = DECLINE_MESSAGES[code]): ChargeResult {
  return { outcome: 'declined', code, message };
}

/**
 * What a charge needs before its one request: the amount in the adapter's own units, checked before
 * the card leaves the vault (an amount it cannot take is never sent, nor rounded), then the card,
 * redeemed once. A token that no longer redeems, or an expiry that is not MMYY, is answered as the
 * decline it amounts to rather than thrown.
 */
export async function prepareCharge(
  vault: Vault,
  token: string,
  amount: AmountInUnits,
): Promise<{ amount: Extract<AmountInUnits, { ok: true }>; card: CardData; expiry: { month: number; year: number } } | ChargeResult> {
  if (!amount.ok) return declined('processing_error', 'The amount cannot be charged by this processor.');
  let card: CardData;
  try {
    card = await vault.redeem(token);
  } catch {
    return declined('processing_error', 'The card details were no longer available.');
  }
  const expiry = splitExpiry(card.expiry);
  return expiry ? { amount, card, expiry } : declined('card_declined');
}

/**
 * What a save needs before its request: the card, redeemed once, and its expiry split. As for a
 * charge, a token that no longer redeems or an expiry that is not MMYY is the decline it amounts to.
 */
export async function prepareSave(vault: Vault, token: string): Promise<{ card: CardData; expiry: { month: number; year: number } } | SaveCardResult> {
  let card: CardData;
  try {
    card = await vault.redeem(token);
  } catch {
    return declined('processing_error', 'The card details were no longer available.') as SaveCardResult;
  }
  const expiry = splitExpiry(card.expiry);
  return expiry ? { card, expiry } : (declined('card_declined') as SaveCardResult);
}

/** Month and four-digit year of an MMYY expiry as typed on the keypad; null when it is not one. */
export function splitExpiry(mmyy: string): { month: number; year: number } | null {
  const match = /^(\d{2})(\d{2})$/.exec(mmyy);
  if (!match) return null;
  const month = Number(match[1]);
  if (month < 1 || month > 12) return null;
  return { month, year: 2000 + Number(match[2]) };
}

/** Whether a processor's code is one the contract knows, so it can be passed on unchanged. */
export function isDeclineCode(code: unknown): code is DeclineCode {
  return typeof code === 'string' && (DECLINE_CODES as readonly string[]).includes(code);
}

/**
 * A processor's own wording made safe to store and show: digit runs that could be part of a card
 * number are masked, control characters dropped, and the length bounded.
 */
export function safeProcessorMessage(message: unknown, fallback: string): string {
  if (typeof message !== 'string') return fallback;
  const cleaned = message
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .replace(/\d[\d -]{2,}\d/g, '…')
    .trim()
    .slice(0, 200);
  return cleaned === '' ? fallback : cleaned;
}
