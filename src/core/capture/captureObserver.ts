import type { CaptureField } from '../flows/schema';
import type { CallSession } from './callSession';

/** A committed turn: the session before and after it. */
export interface CaptureChange {
  before: CallSession | null;
  after: CallSession;
  /** The capture reached a final state in this turn. */
  final: boolean;
}

/**
 * Optional listener of the turn runner, so other features (the agent bridge, live events) follow a
 * capture without the runner knowing them. Its failures never fail the caller's turn.
 */
export interface CaptureObserver {
  /**
   * Whether the observer follows this call at all: asked once, when a capture starts on the call,
   * and kept in its session, so that the turns of a call nobody follows cost the observer nothing.
   * Without it every call is followed.
   */
  follows?(callSid: string): Promise<boolean>;
  /** After every committed turn of a followed call. */
  turnCommitted(change: CaptureChange): Promise<void>;
  /** Where a followed capture that ends sends the caller instead of hanging up (a bridged call's agent); null: hang up. */
  returnUrl?(session: CallSession): Promise<string | null>;
  /** An agent-guided capture's progress: how many keys the caller has typed into the field asked (never which). */
  keysTyped?(session: CallSession, field: CaptureField, keys: number): Promise<void>;
}
