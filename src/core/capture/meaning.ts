import { ALL_CAPTURE_FIELDS, type CaptureField } from '../flows/schema';
import type { Payment } from '../payments/payment';
import type { StoredState } from './callSession';
import type { CaptureMachine } from './machine';
import type { CaptureEvent } from './types';

/**
 * Where the caller is in the dialogue: the step a state asks or waits for. `request`: an agent-guided
 * capture waits for the agent to ask for a field, or to charge. `confirmSave`: a `save_card` capture asks
 * to save the card (no amount to confirm). `authorize`: a bank debit's spoken authorisation, accepted with 1.
 */
export type CaptureStep = 'payCode' | CaptureField | 'agentCheck' | 'confirm' | 'confirmSave' | 'authorize' | 'charge' | 'retry' | 'reference' | 'request';

/** How a capture ended for its payment, as the metrics count it. */
export type CaptureOutcomeKind = 'succeeded' | 'failed' | 'canceled' | 'hung_up';

/**
 * What a state of the capture machine says about itself. Each state carries exactly one `status.*`,
 * at most one `step.*` and one `outcome.*`; `needs.charge` asks the turn runner for the charge, and
 * `holds.cardData` marks the states in which the vault may still keep a card field for the capture.
 */
export type CaptureTag =
  | `step.${CaptureStep}`
  | `status.${Payment['status']}`
  | `outcome.${CaptureOutcomeKind}`
  | 'needs.charge'
  | 'holds.cardData';

/** What an agent may do to a capture from the panel. */
export type AgentAction = 'confirmed' | 'reenter' | 'cancel' | 'retry';

const AGENT_ACTIONS: readonly AgentAction[] = ['confirmed', 'reenter', 'cancel', 'retry'];

/** The machine event each agent action sends. */
export const AGENT_EVENTS: Readonly<Record<AgentAction, CaptureEvent>> = {
  confirmed: { type: 'agent.confirmed' },
  reenter: { type: 'agent.reenter' },
  cancel: { type: 'agent.canceled' },
  retry: { type: 'agent.retried' },
};

/** What the agent does in an agent-guided capture: ask the caller for a field, or charge. */
export type GuideAction = 'askCardNumber' | 'askExpiry' | 'askSecurityCode' | 'charge';

export const GUIDE_ACTIONS: readonly GuideAction[] = ['askCardNumber', 'askExpiry', 'askSecurityCode', 'charge'];

/** The machine event each guide action sends. */
export const GUIDE_EVENTS: Readonly<Record<GuideAction, CaptureEvent>> = {
  askCardNumber: { type: 'agent.requested', field: 'cardNumber' },
  askExpiry: { type: 'agent.requested', field: 'expiry' },
  askSecurityCode: { type: 'agent.requested', field: 'securityCode' },
  charge: { type: 'agent.charged' },
};

/** Which guide actions a stored state takes now (its guards included); all false outside agent-guided flows. */
export function guideMayOf(machine: CaptureMachine, state: StoredState): Record<GuideAction, boolean> {
  const snapshot = machine.resolveState(state);
  return Object.fromEntries(GUIDE_ACTIONS.map((action) => [action, snapshot.can(GUIDE_EVENTS[action])])) as Record<GuideAction, boolean>;
}

/** A stored capture state as everything outside the machine reads it, instead of by its name. */
export interface StateMeaning {
  /** The step the caller is at; null once the capture has ended. */
  step: CaptureStep | null;
  /** The status this state gives the payment. */
  status: Payment['status'];
  /** The card field being collected, if any. */
  field: CaptureField | null;
  /** How the capture ended for the payment, once it has (an approval counts while the reference is read). */
  outcome: CaptureOutcomeKind | null;
  /** The turn runner owes this state a charge, or the answer to one. */
  needsCharge: boolean;
  /** The vault may still hold card fields for this capture; once false, nothing may stay there. */
  holdsCardData: boolean;
  /** The capture is over: nothing changes it any more. */
  final: boolean;
  /** Which agent actions this state takes now (its guards included). */
  agentMay: Record<AgentAction, boolean>;
}

/** What a stored state means, read from the machine's tags, its final states and `can()`. */
export function meaningOf(machine: CaptureMachine, state: StoredState): StateMeaning {
  const snapshot = machine.resolveState(state);
  const tags = [...snapshot.tags];
  const tagged = (prefix: string): string[] => tags.filter((t) => t.startsWith(`${prefix}.`)).map((t) => t.slice(prefix.length + 1));
  const statuses = tagged('status');
  if (statuses.length !== 1) throw new Error(`capture state "${state.value}" has ${statuses.length} statuses`);
  const step = (tagged('step')[0] ?? null) as CaptureStep | null;
  return {
    step,
    status: statuses[0] as Payment['status'],
    field: (ALL_CAPTURE_FIELDS as readonly string[]).includes(step ?? '') ? (step as CaptureField) : null,
    outcome: (tagged('outcome')[0] ?? null) as CaptureOutcomeKind | null,
    needsCharge: snapshot.hasTag('needs.charge'),
    holdsCardData: snapshot.hasTag('holds.cardData'),
    final: snapshot.status === 'done',
    agentMay: Object.fromEntries(AGENT_ACTIONS.map((action) => [action, snapshot.can(AGENT_EVENTS[action])])) as Record<AgentAction, boolean>,
  };
}
