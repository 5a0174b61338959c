import type { StoredState } from '../core/capture/callSession';
import type { StateMeaning } from '../core/capture/meaning';
import type { Notice } from '../core/capture/types';
import type { CardBrand } from '../core/domain/cardBrand';
import { checkCardNumber } from '../core/domain/cardNumber';
import { checkExpiry } from '../core/domain/expiry';
import { checkPostalCode } from '../core/domain/postalCode';
import { checkSecurityCode } from '../core/domain/securityCode';
import type { PromptKey } from '../core/flows/promptKeys';
import { fieldsOf, type CaptureField, type Flow } from '../core/flows/schema';

/** Separators people type inside a field; anything else that is not a digit makes the entry junk. */
export const SEPARATORS: Record<CaptureField, RegExp> = {
  cardNumber: /[\s-]/g,
  expiry: /[\s/-]/g,
  securityCode: /\s/g,
  postalCode: /[\s-]/g,
  // Pay pages take cards only (bank-debit flows are refused for links): listed for completeness.
  routingNumber: /[\s-]/g,
  accountNumber: /[\s-]/g,
  accountNumberAgain: /[\s-]/g,
  accountType: /\s/g,
};

/** A typed field without its separators: '' when left empty, null when it holds anything but digits. */
export function typedDigits(raw: string | undefined, field: CaptureField): string | null {
  const value = (raw ?? '').replace(SEPARATORS[field], '');
  return value === '' || /^\d{1,40}$/.test(value) ? value : null;
}

/**
 * What is wrong with the fields a submission never got to. The capture stops at the first wrong field,
 * but a form sends them all: the customer is told about every wrong one at once, with the machine's own
 * checks and words, rather than finding them out one submission at a time. Nothing is stored or counted:
 * the capture still sees only the fields up to the one it stopped at.
 */
export function unreachedFieldNotices(
  flow: Flow,
  state: StoredState,
  meaning: StateMeaning,
  entry: Partial<Record<CaptureField, string>>,
  now: Date,
): Notice[] {
  const stoppedAt = meaning.field;
  if (!stoppedAt) return [];
  const fields = fieldsOf(flow);
  const unreached = fields.slice(fields.indexOf(stoppedAt) + 1);
  const brand = state.context.card?.brand ?? brandOf(entry.cardNumber, flow);
  return unreached.flatMap((field) => {
    const key = problemOf(field, entry[field], flow, brand, now);
    if (!key) return [];
    return field === 'securityCode' && brand ? [{ key, brand }] : [{ key }];
  });
}

function brandOf(raw: string | undefined, flow: Flow): CardBrand | undefined {
  const digits = typedDigits(raw, 'cardNumber');
  if (!digits) return undefined;
  const check = checkCardNumber(digits, flow.acceptedBrands as CardBrand[]);
  return check.brand;
}

function problemOf(field: CaptureField, raw: string | undefined, flow: Flow, brand: CardBrand | undefined, now: Date): PromptKey | null {
  const digits = typedDigits(raw, field);
  if (digits === '') return `${field}.timeout` as PromptKey;
  if (digits === null) return `${field}.error.format` as PromptKey;
  switch (field) {
    case 'cardNumber': {
      const check = checkCardNumber(digits, flow.acceptedBrands as CardBrand[]);
      return check.ok ? null : (`cardNumber.error.${check.problem}` as PromptKey);
    }
    case 'expiry': {
      const check = checkExpiry(digits, now, flow.expiryMaxYearsAhead);
      return check.ok ? null : (`expiry.error.${check.problem}` as PromptKey);
    }
    case 'securityCode': {
      // Without a known brand either length may be right; the capture checks it again once it knows.
      if (!brand) return /^\d{3,4}$/.test(digits) ? null : 'securityCode.error.length';
      const check = checkSecurityCode(digits, brand);
      return check.ok ? null : (`securityCode.error.${check.problem}` as PromptKey);
    }
    case 'postalCode': {
      if (!flow.postalCode) return null;
      const check = checkPostalCode(digits, flow.postalCode);
      return check.ok ? null : (`postalCode.error.${check.problem}` as PromptKey);
    }
    default:
      return null;
  }
}
