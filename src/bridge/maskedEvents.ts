import type { CallSession } from '../capture/callSession';
import { STATE } from '../capture/machine';
import { projectPayment } from '../capture/projection';
import { maskedCard } from '../domain/masking';
import type { BridgeEvent, PaymentEvent } from '../ports/eventBus';
import type { Bridge } from './bridge';

/**
 * The panel's view of a capture, built only from the session's masked context (brand, last 4,
 * flags, reference, decline code): there is no field here a card value could travel in.
 */
export function paymentEvent(session: CallSession, bridge: Bridge, at: string): PaymentEvent | null {
  if (!session.paymentId || session.paymentId !== bridge.paymentId) return null;
  const state = session.state;
  const c = state.context;
  const projected = projectPayment(state);
  const declineCode = c.lastDecline?.code ?? c.failure?.code ?? null;
  const lines: string[] = [];
  if (c.card) lines.push(`${maskedCard(c.card.brand, c.card.last4)} — ${state.value === STATE.awaitingAgent ? 'valid, waiting for you' : 'valid'}`);
  if (c.captured.expiry) lines.push('Expiry ✓');
  if (c.captured.securityCode) lines.push('Security code ✓');
  if (state.value === STATE.processing) lines.push('Processing…');
  if (c.reference) lines.push(`Approved — reference ${c.reference}`);
  else if (state.value === STATE.declined && c.lastDecline) lines.push(`Declined — ${c.lastDecline.code}`);
  else if (projected.status === 'failed' && declineCode) lines.push(`Failed — ${declineCode}`);
  else if (projected.status === 'canceled') lines.push('Canceled');
  return {
    type: 'payment',
    paymentId: session.paymentId,
    callSid: session.callSid,
    bridgeId: bridge.id,
    agent: bridge.agent ?? null,
    step: state.value,
    status: projected.status ?? 'capturing',
    card: c.card ? { brand: c.card.brand, last4: c.card.last4.slice(-4) } : null,
    expiryCaptured: c.captured.expiry,
    securityCodeCaptured: c.captured.securityCode,
    reference: c.reference,
    declineCode: projected.status === 'succeeded' ? null : declineCode,
    lines,
    at,
  };
}

/** The panel's view of a bridge. */
export function bridgeEvent(bridge: Bridge, at: string): BridgeEvent {
  return {
    type: 'bridge',
    bridgeId: bridge.id,
    agent: bridge.agent ?? null,
    state: bridge.state,
    paymentId: bridge.paymentId,
    recording: !bridge.record ? 'off' : bridge.recordingPaused ? 'paused' : 'on',
    agentOnHold: bridge.agentOnHold,
    error: bridge.lastError,
    at,
  };
}
