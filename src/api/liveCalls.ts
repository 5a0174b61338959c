import type { Payment } from '../core/payments/payment';
import type { CallControl } from '../ports/callControl';
import { CallControlError } from '../ports/callControl';
import { GatewayError } from '../core/http/errors';

/** A live call on the gateway's agent bridge, as the payments API needs to know it. */
export interface BridgedCall {
  id: string;
  media?: 'conference' | 'relay';
  state: string;
}

/** The agent bridge, as the payments API uses it for a bridged call (implemented by the agent capability's BridgeService). */
export interface CallBridges {
  findByCall(callSid: string): Promise<BridgedCall | null>;
  /** The flow a capture on this bridge runs when the request names none. */
  defaultFlowOf(bridge: BridgedCall): string | null;
  /** Starts the capture as the panel does (recording paused, agent held, caller moved; or in the relay); the payment is made once the bridge is claimed. */
  startCapture(
    bridgeId: string,
    flowId: string,
    createPayment: () => Promise<Payment>,
  ): Promise<{ ok: true; paymentId?: string } | { ok: false; code: string; message: string }>;
}

/** What `POST /api/payments` needs to take a payment on a live call. */
export interface LiveCallDeps {
  /** The agent bridge; null on a gateway without one. */
  bridges: CallBridges | null;
  /** Moves calls; null when this gateway cannot (the development fake in production): a returnUrl is refused then. */
  callControl: CallControl | null;
  /** The return URL's problem under the webhook endpoint rules, or null. */
  returnUrlProblem(url: string): Promise<string | null>;
}

/** The live bridge a call is on, or null when it is on none (or its bridge has ended). */
export async function bridgeOfCall(deps: LiveCallDeps | undefined, callSid: string | undefined): Promise<BridgedCall | null> {
  if (!deps?.bridges || !callSid) return null;
  const bridge = await deps.bridges.findByCall(callSid);
  return bridge && bridge.state !== 'ended' ? bridge : null;
}

/** Why a bridge refused to start the capture, as an API error: a busy or ended call is a conflict. */
export function bridgeRefusal(refusal: { code: string; message: string }): GatewayError {
  const status = refusal.code === 'invalid_flow' ? 400 : 409;
  const code = refusal.code === 'invalid_flow' ? 'invalid_flow' : refusal.code === 'not_found' ? 'call_not_live' : `bridge_${refusal.code}`;
  return new GatewayError(code, `callSid: the call is on the agent bridge, which could not start the capture: ${refusal.message}`, { status });
}

/**
 * Moves a live call into the payment's capture (a Twilio call update to its voice URL). A call Twilio
 * will not move (ended, or not this account's) is a conflict; Twilio unreachable is a bad gateway.
 */
export async function moveCallToCapture(callControl: CallControl, callSid: string, voiceUrl: string): Promise<GatewayError | null> {
  try {
    await callControl.redirect(callSid, voiceUrl);
    return null;
  } catch (error) {
    const status = error instanceof CallControlError ? error.status : null;
    if (status !== null && status >= 400 && status < 500) {
      return new GatewayError('call_not_live', 'callSid: Twilio would not move this call (it has ended, or is not a call of this account).', { status: 409 });
    }
    return new GatewayError('call_control_failed', 'callSid: the call could not be moved to the capture (Twilio did not answer); try again.', { status: 502 });
  }
}
