/** Card brands as credit-card-type names them; the gateway's vocabulary for brands everywhere. */
export type CardBrand =
  | 'visa'
  | 'mastercard'
  | 'american-express'
  | 'discover'
  | 'diners-club'
  | 'jcb'
  | 'unionpay'
  | 'maestro'
  | 'mir'
  | 'elo'
  | 'hiper'
  | 'hipercard'
  | 'troy'
  | 'naranja'
  | 'verve';

export const CARD_BRANDS: readonly CardBrand[] = [
  'visa',
  'mastercard',
  'american-express',
  'discover',
  'diners-club',
  'jcb',
  'unionpay',
  'maestro',
  'mir',
  'elo',
  'hiper',
  'hipercard',
  'troy',
  'naranja',
  'verve',
];

/** Whether a string (a config entry, or a type credit-card-type reported) is one of the gateway's brands. */
export function isCardBrand(value: string): value is CardBrand {
  return (CARD_BRANDS as readonly string[]).includes(value);
}
