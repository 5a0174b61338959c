/** A recording to pause or resume: the conference's, or one call's; `Twilio.CURRENT` when no SID is known. */
export type RecordingTarget = { conferenceSid: string; recordingSid?: string } | { callSid: string; recordingSid?: string };

/** What the agent leg hears while it is held: music, and optionally a short announcement first. */
export interface HoldAudio {
  holdUrl: string;
  announceUrl?: string;
}

/** How to dial the agent into a bridge's conference. */
export interface AgentDial {
  /** The conference's friendly name (the bridge names it). */
  conference: string;
  /** +E.164 number, `sip:` address or `client:` identity. */
  to: string;
  /** Caller ID shown to the agent. */
  from: string;
  /** Where the agent leg's status changes are posted. */
  statusCallback: string;
}

/** A call the gateway places itself (the relay's agent leg): whom it rings, and what runs once answered. */
export interface OutgoingCall {
  /** +E.164 number, `sip:` address or `client:` identity. */
  to: string;
  /** Caller ID shown to the called party. */
  from: string;
  /** The TwiML the answered call runs: given inline, or fetched from a URL with POST. */
  answer: { twiml: string } | { url: string };
  /** Where the call's status changes (initiated, ringing, answered, completed) are posted. */
  statusCallback: string;
}

/**
 * Live-call control, the only way the gateway acts on calls it did not answer itself. Every operation
 * but `dialAgent` and `createCall` is idempotent by its target state (a leg at a URL, a recording
 * paused, a participant held, a call ended), so adapters may repeat them after a lost answer.
 */
export interface CallControl {
  /** Moves a call leg to new TwiML fetched from `url` with POST (also how a leg goes back to its conference). */
  redirect(callSid: string, url: string): Promise<void>;
  /** Dials the agent into the conference; answers the agent leg's SID and, once known, the conference SID. */
  dialAgent(dial: AgentDial): Promise<{ callSid: string; conferenceSid: string | null }>;
  /** Pauses (with PauseBehavior=skip: nothing is kept of the pause) or resumes a recording. */
  setRecording(target: RecordingTarget, status: 'paused' | 'in-progress'): Promise<void>;
  /** Holds a conference participant with the given audio, or takes it off hold (null). */
  holdParticipant(conferenceSid: string, callSid: string, audio: HoldAudio | null): Promise<void>;
  /** Places a new call; answers its SID. Never repeated once the request may have left (a call may already ring). */
  createCall(call: OutgoingCall): Promise<{ callSid: string }>;
  /** Ends a call whatever its state (ringing calls are canceled, answered ones hung up). */
  endCall(callSid: string): Promise<void>;
}

/** A call-control failure, with whether repeating it may help. */
export class CallControlError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status: number | null = null,
  ) {
    super(message);
    this.name = 'CallControlError';
  }
}
