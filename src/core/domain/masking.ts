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
