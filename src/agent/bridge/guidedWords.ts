import { brandDisplayName } from '../../core/domain/masking';
import type { Notice } from '../../core/capture/types';
import type { CaptureField } from '../../core/flows/schema';

const FIELD_NAMES: Record<CaptureField, string> = {
  cardNumber: 'card number',
  expiry: 'expiry date',
  securityCode: 'security code',
  postalCode: 'postal code',
  routingNumber: 'routing number',
  accountNumber: 'account number',
  accountNumberAgain: 'account number again',
  accountType: 'account type',
};

/** What the agent sees while a field is asked, e.g. "Waiting for the card number". */
export function askingLine(field: CaptureField): string {
  return `Waiting for the caller to type the ${FIELD_NAMES[field]}`;
}

/** Progress while the caller types: how many keys, never which. */
export function typingLine(field: CaptureField, keys: number): string {
  return `${capitalise(FIELD_NAMES[field])}: typing… ${keys} ${keys === 1 ? 'key' : 'keys'}`;
}

/**
 * A mistake or a silence in words the agent can say to the caller, from the notice the capture
 * records (the same keys the keypad flow speaks); null for a notice that is no mistake.
 */
export function mistakeLine(notice: Notice, securityCodeLength: number): string | null {
  const brand = notice.brand ? brandDisplayName(notice.brand) : 'this';
  const words: Partial<Record<Notice['key'], string>> = {
    'cardNumber.error.format': 'that did not look like a card number',
    'cardNumber.error.luhn': 'that card number is not valid',
    'cardNumber.error.unknownBrand': 'we do not recognise that type of card',
    'cardNumber.error.brandNotAccepted': `we cannot accept ${brand} cards`,
    'cardNumber.error.length': `that card number has the wrong number of digits for a ${brand} card`,
    'cardNumber.timeout': 'no card number was typed',
    'expiry.error.format': 'the expiry date must be 4 digits, month then year',
    'expiry.error.month': 'that is not a valid month',
    'expiry.error.expired': 'that expiry date has passed',
    'expiry.error.tooFarAhead': 'that expiry date is too far in the future',
    'expiry.timeout': 'no expiry date was typed',
    'securityCode.error.format': 'the security code must be digits only',
    'securityCode.error.length': `the security code for this card has ${securityCodeLength} digits`,
    'securityCode.timeout': 'no security code was typed',
  };
  const said = words[notice.key];
  return said ? capitalise(said) : null;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
