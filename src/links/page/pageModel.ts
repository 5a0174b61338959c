import type { StoredState } from '../../core/capture/callSession';
import type { StateMeaning } from '../../core/capture/meaning';
import type { Notice } from '../../core/capture/types';
import type { CardBrand } from '../../core/domain/cardBrand';
import { securityCodeLength } from '../../core/domain/cardNumber';
import { brandDisplayName } from '../../core/domain/masking';
import type { PromptKey } from '../../core/flows/promptKeys';
import { postalCodeLengths } from '../../core/domain/postalCode';
import { ALL_CAPTURE_FIELDS, type CaptureField, type Flow } from '../../core/flows/schema';
import type { Payment } from '../../core/payments/payment';
import { formatMoney } from '../../core/domain/formatMoney';

/** Everything the payment page shows, worked out from the payment and the capture's masked state. */
export interface PayPageModel {
  kind: 'form' | 'processing' | 'success' | 'failed';
  /** A `save_card` payment: the page saves the card for later, shows no amount and charges nothing. */
  saveCard: boolean;
  locale: string;
  merchantName: string;
  amount: string;
  description: string | null;
  /** Relative URL of the form: the token is the only secret a pay URL carries. */
  action: string;
  csrf: string;
  /** A message about the whole payment (a decline, a lock), or null. */
  alert: string | null;
  fieldErrors: Partial<Record<CaptureField, string>>;
  /** The billing postal code field, when the link's flow asks for it: its longest length. */
  postalCode: { maxLength: number } | null;
  /** Messages the script shows for mistakes it catches before sending, in the flow's words. */
  clientMessages: Record<string, string>;
  /** `authorized`: a manual-capture payment, approved but only held, not yet taken. */
  success: { brand: string; last4: string; reference: string; time: string; receipt: boolean; authorized: boolean } | null;
}

const FIELDS: readonly CaptureField[] = ALL_CAPTURE_FIELDS;
/** Notices that steer the keypad dialogue and mean nothing on a page. */
const SILENT: ReadonlySet<string> = new Set(['goingBack', 'confirm.reenter', 'intro', 'agentCheck.reenter']);

export interface PageInput {
  payment: Payment;
  flow: Flow;
  state: StoredState | null;
  /** What the state means; null with the state, before the first submission. */
  meaning: StateMeaning | null;
  merchantName: string;
  action: string;
  csrf: string;
  /** Whether a receipt will be emailed: only then may the page say one is on its way. */
  receipt: boolean;
  /** Problems of the fields the capture stopped before reaching, shown with the capture's own. */
  unreached?: Notice[];
}

/** Builds the page from the capture's state: its notices name the prompts of the page's messages. */
export function payPageModel(input: PageInput): PayPageModel {
  const { payment, flow, state, meaning } = input;
  const locale = payment.locale in flow.locales ? payment.locale : flow.defaultLocale;
  const prompts = flow.locales[locale]!.prompts as Record<string, string>;
  const amount = formatMoney(payment.amount, payment.currency, locale);
  const fill = (key: string, brand?: CardBrand): string =>
    (prompts[key] ?? '').replace(/\{(\w+)\}/g, (_m, name: string) => {
      const card = state?.context.card;
      switch (name) {
        case 'amount':
          return amount;
        case 'description':
          return payment.description ? ` (${payment.description})` : '';
        case 'brand':
          return brandDisplayName(brand ?? card?.brand ?? 'visa');
        case 'last4':
          return card?.last4 ?? '';
        case 'length':
          // A brand on the notice is the typed card's, when the capture has not taken the card yet.
          return String(brand ? securityCodeLength(brand) : state?.context.securityCodeLength || 3);
        case 'reference':
          return state?.context.reference ?? '';
        default:
          return '';
      }
    });

  const model: PayPageModel = {
    kind: 'form',
    saveCard: payment.intent === 'save_card',
    locale,
    merchantName: input.merchantName,
    amount,
    description: payment.description,
    action: input.action,
    csrf: input.csrf,
    alert: null,
    fieldErrors: {},
    postalCode: flow.postalCode ? { maxLength: postalCodeLengths(flow.postalCode).max } : null,
    clientMessages: clientMessages(prompts),
    success: null,
  };
  if (!state || !meaning) return model;
  const notices = state.context.notices.filter((n) => !SILENT.has(n.key));
  if (meaning.status === 'succeeded') {
    const card = state.context.card;
    return {
      ...model,
      kind: 'success',
      alert: null,
      success: {
        brand: card ? brandDisplayName(card.brand) : '',
        last4: card?.last4 ?? '',
        reference: state.context.reference ?? '',
        time: formatTime(payment.updatedAt, locale),
        receipt: input.receipt,
        authorized: payment.status === 'authorized',
      },
    };
  }
  // Still processing: on its way, or left to be settled after the capture ended.
  if (meaning.status === 'processing') return { ...model, kind: 'processing', alert: fill(meaning.final ? 'processing.later' : 'processing.stillWorking') };
  if (meaning.final) {
    const text = notices.map((n) => fill(n.key, n.brand)).filter(Boolean);
    return { ...model, kind: 'failed', alert: text.length > 0 ? text.join(' ') : fill('payment.unavailable') };
  }
  if (meaning.step === 'retry') {
    return { ...model, alert: [...notices.map((n) => fill(n.key, n.brand)), fill('declined.retry')].join(' ') };
  }
  for (const n of [...notices, ...(input.unreached ?? [])]) {
    const field = FIELDS.find((f) => n.key.startsWith(`${f}.`));
    if (field) model.fieldErrors[field] = fill(n.key, n.brand);
    else model.alert = fill(n.key, n.brand);
  }
  return model;
}

function clientMessages(prompts: Record<string, string>): Record<string, string> {
  const pick: Record<string, PromptKey> = {
    cardNumberMissing: 'cardNumber.timeout',
    cardNumberFormat: 'cardNumber.error.format',
    cardNumberLuhn: 'cardNumber.error.luhn',
    expiryMissing: 'expiry.timeout',
    expiryFormat: 'expiry.error.format',
    expiryMonth: 'expiry.error.month',
    expiryExpired: 'expiry.error.expired',
    securityCodeMissing: 'securityCode.timeout',
    securityCodeFormat: 'securityCode.error.format',
    securityCodeLength: 'securityCode.error.length',
  };
  return Object.fromEntries(Object.entries(pick).map(([name, key]) => [name, prompts[key] ?? '']));
}

function formatTime(iso: string, locale: string): string {
  const formatted = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(new Date(iso));
  return `${formatted} UTC`;
}
