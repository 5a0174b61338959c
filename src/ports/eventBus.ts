import type { AgentAction, GuideAction } from '../core/capture/meaning';
import type { CaptureField } from '../core/flows/schema';
import type { CardBrand } from '../core/domain/cardBrand';

/** A bridge's state as the agent panel shows it. */
export interface BridgeEvent {
  type: 'bridge';
  bridgeId: string;
  /** The agent on the call, or null while nobody has taken it: whose panels see it. */
  agent: string | null;
  /** The caller's number as the agent reads it, and when the call came in (the panel ticks from it). */
  caller: string;
  since: string;
  state: string;
  paymentId: string | null;
  recording: 'off' | 'on' | 'paused';
  agentOnHold: boolean;
  error: string | null;
  at: string;
}

/** A capture's progress, masked: the brand and last 4 at most, never a field's value. */
export interface PaymentEvent {
  type: 'payment';
  paymentId: string;
  callSid: string;
  /** The bridge the capture runs on and its agent; only bridged captures reach a panel. */
  bridgeId: string;
  agent: string | null;
  /** The capture step (machine state) and the payment status it projects to. */
  step: string;
  status: string;
  /** Which of the panel's actions the capture takes now: the panel shows only those buttons. */
  agentMay: Record<AgentAction, boolean>;
  /** An agent-guided capture (relay mode): the agent asks for each field and charges. */
  guided: boolean;
  /** Which fields the agent may ask for now, and whether Charge is open (all false unless guided). */
  guideMay: Record<GuideAction, boolean>;
  /** The field the caller is asked to type now, if any. */
  asking: CaptureField | null;
  card: { brand: CardBrand; last4: string } | null;
  expiryCaptured: boolean;
  securityCodeCaptured: boolean;
  /** Only whether it was typed: the postal code itself never leaves the vault but for the processor. */
  postalCodeCaptured: boolean;
  /** Bank debits only: the account's last 4 and type, shown "Bank •••• 6789"; never more. */
  bankAccount?: { last4: string; accountType: 'checking' | 'savings' | null } | null;
  reference: string | null;
  declineCode: string | null;
  /** Where the payment stands, in words, e.g. "Approved — reference 1234", "Declined — insufficient funds". */
  summary: string;
  /** The steps in words, e.g. "Visa •••• 4242 — valid", "Expiry ✓". */
  lines: string[];
  at: string;
}

/** The caller is typing into the field asked: how many keys so far, never which. Not stored anywhere. */
export interface TypingEvent {
  type: 'typing';
  bridgeId: string;
  agent: string | null;
  paymentId: string;
  field: CaptureField;
  keys: number;
  at: string;
}

/**
 * A pay link an agent made on the panel for a chat customer, as it progresses: masked facts only (brand
 * and last 4 at most). Never the link itself: its token is the customer's key to the payment page.
 */
export interface LinkEvent {
  type: 'link';
  paymentId: string;
  /** The agent who made the link: whose panels see it. */
  agent: string;
  status: string;
  amount: string;
  currency: string;
  /** `save_card`: the link saves the card for later; there is no amount to show. */
  intent?: 'save_card';
  description: string | null;
  card: { brand: CardBrand; last4: string } | null;
  reference: string | null;
  /** Where the payment stands in words, e.g. "Waiting for the customer", "Success, reference 1234". */
  summary: string;
  /** The steps in words, e.g. "Visa •••• 4242 valid", "Processing…". */
  lines: string[];
  /** True once the payment can change no more (succeeded, failed, canceled, expired). */
  final: boolean;
  at: string;
}

export type GatewayEvent = BridgeEvent | PaymentEvent | TypingEvent | LinkEvent;

/**
 * Publish/subscribe of masked events across every gateway process: what one process commits, a panel
 * connected to any other sees. Delivery is best effort; the store stays the source of truth.
 */
export interface EventBus {
  publish(event: GatewayEvent): Promise<void>;
  /** Calls `listener` for every event from now on; answers the function that stops it. */
  subscribe(listener: (event: GatewayEvent) => void): () => void;
  close(): Promise<void>;
}
