import { z } from 'zod';
import type { KeyValueStore } from '../../ports/keyValueStore';
import { RecordStore } from '../../core/records/recordStore';
import { storedIdsSchema } from '../../core/records/recordSchemas';

/**
 * Where a bridge is: dialing the agent, both parties talking, card capture under way, over; or
 * dropped: a relayed leg's audio stream broke off, so the call cannot go on (its `lastError` says which leg).
 */
export type BridgeState = 'dialing' | 'connected' | 'securing' | 'capturing' | 'dropped' | 'ended';

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
  /**
   * How the call's audio flows: both legs in a Twilio conference (a capture takes the caller out of
   * it), or through the gateway's media relay (the agent stays on the line). Absent: conference.
   */
  media?: 'conference' | 'relay';
  /** The agent who took the call (the first to start a capture on it); null while nobody has. */
  agent?: string | null;
  /** The payment of the current (or last) secure capture. */
  paymentId: string | null;
  /** The last thing that went wrong, in words fit for the agent; never card data. */
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A bridge as stored; `caller` and `agent` are absent on bridges older releases wrote. */
const storedBridgeSchema: z.ZodType<Bridge> = z.looseObject({
  id: z.string(),
  callerCallSid: z.string(),
  number: z.string(),
  caller: z.string().optional(),
  conference: z.string(),
  conferenceSid: z.string().nullable(),
  agentCallSid: z.string().nullable(),
  record: z.boolean(),
  recordingSid: z.string().nullable(),
  recordingPaused: z.boolean(),
  agentOnHold: z.boolean(),
  state: z.enum(['dialing', 'connected', 'securing', 'capturing', 'dropped', 'ended']),
  media: z.enum(['conference', 'relay']).optional(),
  agent: z.string().nullable().optional(),
  paymentId: z.string().nullable(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

/** The index of live bridges is the key `bridges:live`. */
const LIVE_INDEX = 'live';

/** Bridges in the key-value store (compare-and-set), so every gateway process sees the same call. */
export class BridgeRepository {
  private readonly bridges: RecordStore<Bridge>;
  private readonly indexes: RecordStore<string[]>;

  constructor(
    private readonly store: KeyValueStore,
    private readonly ttlSeconds: number,
  ) {
    this.bridges = new RecordStore(store, { prefix: 'bridge:', schema: storedBridgeSchema, ttlSeconds });
    this.indexes = new RecordStore(store, { prefix: 'bridges:', schema: storedIdsSchema, ttlSeconds });
  }

  async get(id: string): Promise<Bridge | null> {
    return (await this.bridges.get(id))?.value ?? null;
  }

  async findByCall(callSid: string): Promise<Bridge | null> {
    const found = await this.store.get(callKey(callSid));
    return found ? this.get(found.value) : null;
  }

  /** Stores a new bridge; false when one with this id exists already (a repeated webhook). */
  async create(bridge: Bridge): Promise<boolean> {
    if ((await this.bridges.create(bridge.id, bridge)) === null) return false;
    await this.store.set(callKey(bridge.callerCallSid), bridge.id, this.ttlSeconds);
    await this.editIndex((ids) => [...ids.filter((id) => id !== bridge.id), bridge.id]);
    return true;
  }

  /**
   * Applies `change` to the current bridge and writes it with compare-and-set, retrying on races.
   * `change` answers null to leave the bridge as it is; the result is the bridge as stored, or null.
   */
  async update(id: string, change: (bridge: Bridge) => Partial<Bridge> | null, at: string): Promise<{ bridge: Bridge; changed: boolean } | null> {
    let changed = false;
    const stored = await this.bridges.update(id, (current) => {
      const patch = current ? change(current) : null;
      changed = patch !== null;
      return current && patch ? { ...current, ...patch, updatedAt: at } : null;
    });
    if (!stored) return null;
    if (changed && stored.value.state === 'ended') await this.editIndex((ids) => ids.filter((other) => other !== id));
    return { bridge: stored.value, changed };
  }

  /** Bridges that have not ended, oldest first. */
  async live(): Promise<Bridge[]> {
    const ids = (await this.indexes.get(LIVE_INDEX))?.value ?? [];
    const bridges = await Promise.all(ids.map((id) => this.get(id)));
    return bridges.filter((b): b is Bridge => b !== null && b.state !== 'ended');
  }

  private async editIndex(edit: (ids: string[]) => string[]): Promise<void> {
    // Expired bridges drop out of the index lazily: only the newest few hundred are kept.
    await this.indexes.update(LIVE_INDEX, (ids) => edit(ids ?? []).slice(-500));
  }
}

/** The bridge id of an inbound call: derived from its CallSid, so a repeated webhook finds the same bridge. */
export function bridgeIdFor(callSid: string): string {
  return `br_${callSid.slice(2).toLowerCase()}`;
}

export const BRIDGE_ID = /^br_[0-9a-f]{32}$/;

function callKey(callSid: string): string {
  return `bridge:call:${callSid}`;
}
