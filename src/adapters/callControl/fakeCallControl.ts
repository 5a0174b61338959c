import { randomBytes } from 'node:crypto';
import type { AgentDial, CallControl, HoldAudio, OutgoingCall, RecordingTarget } from '../../ports/callControl';
import { CallControlError } from '../../ports/callControl';

/** One operation the fake carried out, in order, for tests and the local simulator. */
export type CallControlOperation =
  | { op: 'redirect'; callSid: string; url: string }
  | { op: 'dialAgent'; dial: AgentDial; callSid: string; conferenceSid: string }
  | { op: 'recording'; target: RecordingTarget; status: 'paused' | 'in-progress' }
  | { op: 'hold'; conferenceSid: string; callSid: string; audio: HoldAudio | null }
  | { op: 'createCall'; call: OutgoingCall; callSid: string }
  | { op: 'endCall'; callSid: string };

/**
 * In-memory CallControl for local runs and tests: it records what it was asked and lets a listener
 * play Twilio's part (the simulator follows redirects by fetching the URL for the caller leg).
 */
export class FakeCallControl implements CallControl {
  readonly operations: CallControlOperation[] = [];
  /** Set to make the next operations of a kind fail, as an unreachable Twilio would. */
  failing = new Set<CallControlOperation['op']>();
  /** Called after each redirect; the simulator fetches the new TwiML from here. */
  onRedirect: ((callSid: string, url: string) => void) | null = null;
  /** Called after each placed call, so a local run can answer it (run its TwiML, open its stream). */
  onCreateCall: ((callSid: string, call: OutgoingCall) => void) | null = null;
  /** Called after each ended call, so a local run can hang that leg up. */
  onEndCall: ((callSid: string) => void) | null = null;

  async redirect(callSid: string, url: string): Promise<void> {
    this.fail('redirect');
    this.operations.push({ op: 'redirect', callSid, url });
    this.onRedirect?.(callSid, url);
  }

  async dialAgent(dial: AgentDial): Promise<{ callSid: string; conferenceSid: string }> {
    this.fail('dialAgent');
    const result = { callSid: newCallSid(), conferenceSid: `CF${randomBytes(16).toString('hex')}` };
    this.operations.push({ op: 'dialAgent', dial, ...result });
    return result;
  }

  async setRecording(target: RecordingTarget, status: 'paused' | 'in-progress'): Promise<void> {
    this.fail('recording');
    this.operations.push({ op: 'recording', target, status });
  }

  async holdParticipant(conferenceSid: string, callSid: string, audio: HoldAudio | null): Promise<void> {
    this.fail('hold');
    this.operations.push({ op: 'hold', conferenceSid, callSid, audio });
  }

  async createCall(call: OutgoingCall): Promise<{ callSid: string }> {
    this.fail('createCall');
    const callSid = newCallSid();
    this.operations.push({ op: 'createCall', call, callSid });
    this.onCreateCall?.(callSid, call);
    return { callSid };
  }

  async endCall(callSid: string): Promise<void> {
    this.fail('endCall');
    this.operations.push({ op: 'endCall', callSid });
    this.onEndCall?.(callSid);
  }

  private fail(op: CallControlOperation['op']): void {
    if (this.failing.has(op)) throw new CallControlError(`could not ${op}: HTTP 503`, true, 503);
  }
}

function newCallSid(): string {
  return `CA${randomBytes(16).toString('hex')}`;
}
