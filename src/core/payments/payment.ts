import type { AccountType } from '../domain/bankAccount';
import type { CardBrand } from '../domain/cardBrand';
import type { DebitAuthorization } from './debitAuthorization';
import type { Failure } from '../capture/types';
import type { Refund } from './refund';

export type PaymentStatus = 'pending' | 'capturing' | 'processing' | 'authorized' | 'succeeded' | 'failed' | 'canceled' | 'expired';
/** `manual`: the call only authorises; `POST /api/payments/{id}/capture` takes the amount later. */
export type CaptureMode = 'automatic' | 'manual';
export type PaymentChannel = 'phone' | 'link';

/**
 * What a payment is made with and never changes afterwards (no change of a payment writes these
 * fields): a copy of the payment this process wrote is as good as a read of the store for them.
 */
export type PaymentTerms = Pick<Payment, 'id' | 'amount' | 'currency' | 'description' | 'payCode' | 'shortReference' | 'capture' | 'intent' | 'accountHolderName'>;

/** A payment as the gateway stores it: masked facts only, never card data. */
export interface Payment {
  id: string;
  /** Stored statuses; `expired` is computed on read from `expiresAt`. */
  status: Exclude<PaymentStatus, 'expired'>;
  amount: string;
  amountMinor: number;
  currency: string;
  channel: PaymentChannel;
  description: string | null;
  locale: string;
  flowId: string;
  payCode: string;
  /** The call capturing this payment; a payment is captured by one call at most. */
  callSid: string | null;
  card: { brand: CardBrand; last4: string } | null;
  expiryCaptured: boolean;
  securityCodeCaptured: boolean;
  /** Whether the billing postal code was typed (flows that ask for it); absent on payments from before. */
  postalCodeCaptured?: boolean;
  /**
   * The gateway's own short reference (8 digits), read to the caller and shown everywhere; set once
   * the processor approves. Records of earlier releases hold the processor's id here.
   */
  reference: string | null;
  /** The processor's id of the charge or authorisation (Stripe's `pi_…`); refunds and captures name it. */
  processorReference?: string | null;
  /** The short reference reserved for this payment at creation; absent on records of earlier releases. */
  shortReference?: string;
  /** Absent on records of earlier releases: `automatic`. */
  capture?: CaptureMode;
  /** Manual capture: what was taken, once captured (at most `amount`). */
  amountCaptured?: string;
  amountCapturedMinor?: number;
  /** Manual capture: until when the authorisation holds; after it the payment is `canceled`. */
  authorizationExpiresAt?: string;
  /** A capture or void sent to the processor and not yet answered: a second, different one waits. */
  settling?: { kind: 'capture' | 'void'; amountMinor: number; startedAt: string };
  failure: Failure | null;
  createdAt: string;
  updatedAt: string;
  /** Until when a pending payment can be started (its pay code works). */
  expiresAt: string;
  /** Version of the call session last projected onto this payment; older projections are ignored. */
  projectedVersion: number;
  /** Refunds of a succeeded payment, oldest first; absent until the first one. */
  refunds?: Refund[];
  /** How many events this payment has announced (see paymentEvents.ts); absent before the first. */
  eventSequence?: number;
  /** Set once the expiry check has announced that this pending payment ran out of time. */
  expiryAnnounced?: boolean;
  /**
   * Where the live call goes when its capture ends (the merchant's own TwiML, fetched with POST and
   * the payment's id and status as query parameters); null or absent: the call ends with the capture.
   */
  returnUrl?: string | null;
  /** Where the receipt goes once the payment succeeds (any channel); absent when nobody asked for one. */
  receiptEmail?: string;
  /** `save_card`: the capture saves the card instead of charging (see paymentMethod.ts); absent for a charge. */
  intent?: PaymentIntent;
  /** The saved card this payment charged off-session, or (intent `save_card`) the one it saved. */
  paymentMethodId?: string;
  /** `ach`: a bank debit, as the payment's flow takes it; absent: a card. */
  method?: 'ach';
  /** Bank debits: the account holder's name, given to the API (Stripe requires one for the mandate). */
  accountHolderName?: string;
  /** Bank debits: the account as it may be shown (last 4, type), once typed. */
  bankAccount?: { last4: string; accountType: AccountType | null } | null;
  /** Bank debits: the caller's acceptance of the spoken authorisation (time, amount, account last 4, the words' hash). */
  debitAuthorization?: DebitAuthorization | null;
}

export type PaymentIntent = 'charge' | 'save_card';

/** A payment's status as readers see it: a pending payment past its expiry is `expired`. */
export function effectiveStatus(payment: Payment, now: Date): PaymentStatus {
  if (payment.status === 'pending' && Date.parse(payment.expiresAt) <= now.getTime()) return 'expired';
  return payment.status;
}

export const FINAL_STATUSES: ReadonlySet<PaymentStatus> = new Set(['succeeded', 'failed', 'canceled', 'expired']);
