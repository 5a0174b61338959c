import type { CallSession } from '../../core/capture/callSession';
import { reasonOf } from '../../core/payments/failureWords';
import type { GuideAction, StateMeaning } from '../../core/capture/meaning';
import { projectPayment } from '../../core/capture/projection';
import { maskedBankAccount } from '../../core/domain/bankAccount';
import { maskedCard } from '../../core/domain/masking';
import { displayPhoneNumber } from '../../core/domain/phoneNumber';
import type { BridgeEvent, PaymentEvent } from '../../ports/eventBus';
import type { Bridge } from './bridge';
import { askingLine, mistakeLine } from './guidedWords';

const NO_GUIDE: Record<GuideAction, boolean> = { askCardNumber: false, askExpiry: false, askSecurityCode: false, charge: false };

/**
 * The panel's view of a capture, built only from the session's masked context (brand, last 4,
 * flags, reference, decline code): there is no field here a card value could travel in.
 */
export function paymentEvent(
  session: CallSession,
  meaning: StateMeaning,
  bridge: Bridge,
  at: string,
  guideMay: Record<GuideAction, boolean> | null = null,
): PaymentEvent | null {
  if (!session.paymentId || session.paymentId !== bridge.paymentId) return null;
  const state = session.state;
  const c = state.context;
  const projected = projectPayment(state, meaning);
  const declineCode = c.lastDecline?.code ?? c.failure?.code ?? null;
  const lines: string[] = [];
  if (c.card) lines.push(`${maskedCard(c.card.brand, c.card.last4)} — ${meaning.step === 'agentCheck' ? 'valid, waiting for you' : 'valid'}`);
  if (c.captured.expiry) lines.push('Expiry ✓');
  if (c.captured.securityCode) lines.push('Security code ✓');
  if (c.captured.postalCode) lines.push('Postal code ✓');
  // A bank debit: the routing number only as typed or not, the account as "Bank •••• 6789".
  if (c.captured.routingNumber) lines.push('Routing number ✓');
  if (c.bankAccount) lines.push(`${maskedBankAccount(c.bankAccount.last4)}${c.bankAccount.accountType ? ` (${c.bankAccount.accountType})` : ''} — ${c.captured.accountNumberAgain ? 'confirmed' : 'valid'}`);
  if (c.debitAuthorization) lines.push(`Debit authorised by the caller at ${c.debitAuthorization.acceptedAt}`);
  if (guideMay) {
    // An agent-guided capture: the agent is told what to say about a mistake, and what is being typed.
    for (const n of c.notices) {
      const said = mistakeLine(n, c.securityCodeLength);
      if (said) lines.push(said);
    }
    if (meaning.field) lines.push(askingLine(meaning.field));
    if (guideMay.charge) lines.push(`Ready: read ${c.payment?.amount ?? ''} ${c.payment?.currency ?? ''} and the last 4 to the caller, then press Charge`.replace(/\s+/g, ' '));
  }
  if (meaning.step === 'charge') lines.push('Processing…');
  if (c.reference && projected.status === 'processing') lines.push(`Bank debit submitted — reference ${c.reference}; it settles in a few days`);
  else if (c.reference) lines.push(`${c.authorized ? 'Authorised' : 'Approved'} — reference ${c.reference}`);
  else if (meaning.step === 'retry' && c.lastDecline) lines.push(`Declined — ${c.lastDecline.code}`);
  else if (projected.status === 'failed' && declineCode) lines.push(`Failed — ${declineCode}`);
  else if (projected.status === 'canceled') lines.push('Canceled');
  const status = projected.status ?? 'capturing';
  return {
    type: 'payment',
    paymentId: session.paymentId,
    callSid: session.callSid,
    bridgeId: bridge.id,
    agent: bridge.agent ?? null,
    step: state.value,
    status,
    agentMay: meaning.agentMay,
    guided: guideMay !== null,
    guideMay: guideMay ?? NO_GUIDE,
    asking: meaning.field,
    summary: summaryOf(status, meaning.step, c.reference, declineCode),
    card: c.card ? { brand: c.card.brand, last4: c.card.last4.slice(-4) } : null,
    expiryCaptured: c.captured.expiry,
    securityCodeCaptured: c.captured.securityCode,
    postalCodeCaptured: c.captured.postalCode ?? false,
    ...(c.bankAccount !== undefined ? { bankAccount: c.bankAccount ? { last4: c.bankAccount.last4.slice(-4), accountType: c.bankAccount.accountType } : null } : {}),
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
    caller: displayPhoneNumber(bridge.caller),
    since: bridge.createdAt,
    state: bridge.state,
    paymentId: bridge.paymentId,
    recording: !bridge.record ? 'off' : bridge.recordingPaused ? 'paused' : 'on',
    agentOnHold: bridge.agentOnHold,
    error: bridge.lastError,
    at,
  };
}


/** Where the payment stands, the moment it gets there: approved while the caller still hears the reference. */
function summaryOf(status: string, step: StateMeaning['step'], reference: string | null, declineCode: string | null): string {
  if (status === 'succeeded') return reference ? `Approved — reference ${reference}` : 'Approved';
  if (status === 'authorized') return reference ? `Authorised — reference ${reference}` : 'Authorised';
  if (status === 'failed') return declineCode ? `Failed — ${reasonOf(declineCode)}` : 'Failed';
  if (status === 'canceled') return 'Canceled';
  if (status === 'processing') return reference ? `Submitted — reference ${reference}` : 'Processing…';
  if (step === 'retry' && declineCode) return `Declined — ${reasonOf(declineCode)}; the caller may try another card`;
  if (step === 'agentCheck') return 'Card number waiting for you';
  return 'Card details being entered';
}
