import type { KeyValueStore } from '../ports/keyValueStore';

/** Where a bridge is: dialing the agent, both parties talking, card capture under way, or over. */
export type BridgeState = 'dialing' | 'connected' | 'securing' | 'capturing' | 'ended';

/** One agent-assisted call: the caller's leg and the agent's, joined in a named conference. */
export interface Bridge {
  id: string;
  callerCallSid: string;
  /** Our Twilio number the caller dialled: the caller ID the agent sees. */
  number: string;
  /** The caller's own number (Twilio's `From`), for the agent to read. */
  caller?: string;
  conference: string;
  conferenceSid: string | null;
  agentCallSid: string | null;
  record: boolean;
  recordingSid: string | null;
  recordingPaused: boolean;
  agentOnHold: boolean;
  state: BridgeState;
  /** The agent who took the call (the first to start a capture on it); null while nobody has. */
  agent?: string | null;
  /** The payment of the current (or last) secure capture. */
  paymentId: string | null;
  /** The last thing that went wrong, in words fit for the agent; never card data. */
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
}

const MAX_RACE_RETRIES = 8;
const LIVE_INDEX = 'bridges:live';

/** Bridges in the key-value store (compare-and-set), so every gateway process sees the same call. */
export class BridgeRepository {
  constructor(
    private readonly store: KeyValueStore,
    private readonly ttlSeconds: number,
  ) {}

  async get(id: string): Promise<Bridge | null> {
    const found = await this.store.get(bridgeKey(id));
    return found ? (JSON.parse(found.value) as Bridge) : null;
  }

  async findByCall(callSid: string): Promise<Bridge | null> {
    const found = await this.store.get(callKey(callSid));
    return found ? this.get(found.value) : null;
  }

  /** Stores a new bridge; false when one with this id exists already (a repeated webhook). */
  async create(bridge: Bridge): Promise<boolean> {
    const version = await this.store.compareAndSet(bridgeKey(bridge.id), 0, JSON.stringify(bridge), this.ttlSeconds);
    if (version === null) return false;
    await this.store.set(callKey(bridge.callerCallSid), bridge.id, this.ttlSeconds);
    await this.editIndex((ids) => [...ids.filter((id) => id !== bridge.id), bridge.id]);
    return true;
  }

  /**
   * Applies `change` to the current bridge and writes it with compare-and-set, retrying on races.
   * `change` answers null to leave the bridge as it is; the result is the bridge as stored, or null.
   */
  async update(id: string, change: (bridge: Bridge) => Partial<Bridge> | null, at: string): Promise<{ bridge: Bridge; changed: boolean } | null> {
    for (let i = 0; i < MAX_RACE_RETRIES; i += 1) {
      const found = await this.store.get(bridgeKey(id));
      if (!found) return null;
      const current = JSON.parse(found.value) as Bridge;
      const patch = change(current);
      if (patch === null) return { bridge: current, changed: false };
      const next: Bridge = { ...current, ...patch, updatedAt: at };
      if ((await this.store.compareAndSet(bridgeKey(id), found.version, JSON.stringify(next), this.ttlSeconds)) !== null) {
        if (next.state === 'ended') await this.editIndex((ids) => ids.filter((other) => other !== id));
        return { bridge: next, changed: true };
      }
    }
    throw new Error(`bridge ${id}: too many concurrent updates`);
  }

  /** Bridges that have not ended, oldest first. */
  async live(): Promise<Bridge[]> {
    const found = await this.store.get(LIVE_INDEX);
    const ids = found ? (JSON.parse(found.value) as string[]) : [];
    const bridges = await Promise.all(ids.map((id) => this.get(id)));
    return bridges.filter((b): b is Bridge => b !== null && b.state !== 'ended');
  }

  private async editIndex(edit: (ids: string[]) => string[]): Promise<void> {
    for (let i = 0; i < MAX_RACE_RETRIES; i += 1) {
      const found = await this.store.get(LIVE_INDEX);
      const ids = found ? (JSON.parse(found.value) as string[]) : [];
      // Expired bridges drop out of the index lazily: only the newest few hundred are kept.
      const next = edit(ids).slice(-500);
      if ((await this.store.compareAndSet(LIVE_INDEX, found?.version ?? 0, JSON.stringify(next), this.ttlSeconds)) !== null) return;
    }
    throw new Error('bridge index: too many concurrent updates');
  }
}

/** The bridge id of an inbound call: derived from its CallSid, so a repeated webhook finds the same bridge. */
export function bridgeIdFor(callSid: string): string {
  return `br_${callSid.slice(2).toLowerCase()}`;
}

export const BRIDGE_ID = /^br_[0-9a-f]{32}$/;

function bridgeKey(id: string): string {
  return `bridge:${id}`;
}

function callKey(callSid: string): string {
  return `bridge:call:${callSid}`;
}
