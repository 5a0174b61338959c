import creditCardType from 'credit-card-type';
import type { CardBrand } from './cardBrand';

/** The brand as people write it ("American Express"), falling back to its identifier. */
export function brandDisplayName(brand: CardBrand): string {
  // getTypeInfo returns null for a type it does not know, whatever its declaration says.
  const info = creditCardType.getTypeInfo(brand) as ReturnType<typeof creditCardType.getTypeInfo> | null;
  return info?.niceType ?? brand;
}

/** A card as it may be shown or logged, e.g. "Visa •••• 4242". */
export function maskedCard(brand: CardBrand, last4: string): string {
  // Only the final four characters are ever used, so a full number passed by mistake still cannot leak.
  return `${brandDisplayName(brand)} •••• ${last4.slice(-4)}`;
}

/** Digits spaced with commas so speech reads them one at a time ("1, 2, 3, 4") rather than as a number. */
export function speakDigits(digits: string): string {
  return Array.from(digits).join(', ');
}

/**
 * A payment reference as a caller hears it: the gateway's 8 digits in two groups of four
 * ("1, 2, 3, 4. 5, 6, 7, 8."), with a pause between, so it can be written down as "1234 5678".
 * A reference of another shape (a payment of an earlier release) is read one character at a time.
 */
export function speakReference(reference: string): string {
  if (!/^[0-9]{8}$/.test(reference)) return speakDigits(reference);
  return `${speakDigits(reference.slice(0, 4))}. ${speakDigits(reference.slice(4))}`;
}
