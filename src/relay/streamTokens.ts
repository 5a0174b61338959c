import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Clock } from '../ports/clock';
import type { KeyValueStore } from '../ports/keyValueStore';

/** The two legs of a relayed call. */
export type StreamLeg = 'caller' | 'agent';

/** What a stream token lets its socket be: one leg of one bridge, on the process that owns it, until a moment. */
export interface StreamGrant {
  bridgeId: string;
  leg: StreamLeg;
  /** The caller's CallSid: the call the bridge's capture runs on. */
  callerCallSid: string;
  /** The process whose stream URL the token was written into. */
  instanceId: string;
  /** ISO time after which the token no longer opens a stream. */
  expiresAt: string;
}

const grantSchema = z.object({
  bridgeId: z.string(),
  leg: z.enum(['caller', 'agent']),
  callerCallSid: z.string(),
  instanceId: z.string(),
  expiresAt: z.string(),
});

/** A token is 32 random bytes, base64url: 43 characters. */
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/**
 * Single-use stream tokens: issued into a `<Stream>`'s `<Parameter>`, taken (read and deleted at once,
 * in the shared store) when the stream's `start` arrives. The store keys them by their SHA-256, so a
 * store dump holds no usable token. A token past its time is refused even while the store still holds it.
 */
export class StreamTokens {
  constructor(
    private readonly store: KeyValueStore,
    private readonly clock: Clock,
    private readonly ttlSeconds: number,
  ) {}

  async issue(grant: Omit<StreamGrant, 'expiresAt'>): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(this.clock.now().getTime() + this.ttlSeconds * 1000).toISOString();
    // The store keeps it a little longer than it is good for: the grant's own time is what decides.
    await this.store.set(keyOf(token), JSON.stringify({ ...grant, expiresAt }), this.ttlSeconds + 60);
    return token;
  }

  /** The grant of a token, once: null when unknown, already used, malformed or expired. */
  async consume(token: unknown): Promise<StreamGrant | null> {
    if (typeof token !== 'string' || !TOKEN.test(token)) return null;
    const raw = await this.store.take(keyOf(token));
    if (raw === null) return null;
    const parsed = grantSchema.safeParse(safeJson(raw));
    if (!parsed.success) return null;
    if (Date.parse(parsed.data.expiresAt) <= this.clock.now().getTime()) return null;
    return parsed.data;
  }
}

function keyOf(token: string): string {
  return `relay:token:${createHash('sha256').update(token).digest('base64url')}`;
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return null;
  }
}
