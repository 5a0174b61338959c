import type { KeyValueStore, Versioned } from '../ports/keyValueStore';
import type { CardRefs } from '../ports/vault';
import type { CaptureContext } from './types';

/** The machine's state as stored: its value and its (masked) context, nothing else. */
export interface StoredState {
  value: string;
  context: CaptureContext;
}

/** One call's capture, shared by every gateway process through the store. */
export interface CallSession {
  callSid: string;
  flowId: string;
  flowVersion: number;
  /**
   * Hash of the flow content the call started on (kept in the store by `CallFlows`), so that every
   * process runs the call on that content. Absent in sessions written by earlier releases.
   */
  flowHash?: string;
  paymentId: string | null;
  /**
   * The turn the next webhook must carry in its URL. A request for an older turn is a duplicate
   * delivery (it gets `lastReply`), so a Twilio retry never advances the call twice.
   */
  turn: number;
  state: StoredState;
  vaultRefs: CardRefs;
  lastReply: { turn: number; twiml: string } | null;
  startedAt: string;
  /** When the current charge attempt started (ISO): the hold limit is measured from it. */
  chargeStartedAt?: string;
}

/** Call sessions in the key-value store, written only by compare-and-set. */
export class CallSessionRepository {
  constructor(
    private readonly store: KeyValueStore,
    private readonly ttlSeconds: number,
  ) {}

  async get(callSid: string): Promise<Versioned<CallSession> | null> {
    const found = await this.store.get(sessionKey(callSid));
    return found ? { value: JSON.parse(found.value) as CallSession, version: found.version } : null;
  }

  /** Writes when the session is still at `expectedVersion` (0: new); the new version, or null on a race. */
  async save(session: CallSession, expectedVersion: number, ttlSeconds = this.ttlSeconds): Promise<number | null> {
    return this.store.compareAndSet(sessionKey(session.callSid), expectedVersion, JSON.stringify(session), ttlSeconds);
  }
}

function sessionKey(callSid: string): string {
  return `call:${callSid}`;
}
