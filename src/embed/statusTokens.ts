import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Clock } from '../ports/clock';
import type { KeyValueStore } from '../ports/keyValueStore';
import { RecordStore } from '../core/records/recordStore';

/** `cst_` and 32 random bytes in base64url: what the embedded status view holds instead of the API key. */
export const STATUS_TOKEN = /^cst_[A-Za-z0-9_-]{43}$/;

/** Bounds of a token's life: long enough for one call, short enough that a copied token soon stops working. */
export const STATUS_TOKEN_TTL = { min: 60, max: 3600, default: 900 } as const;

/** What the store keeps of a token: only its payment and its end, under the token's SHA-256 (never the token). */
const grantSchema = z.object({ paymentId: z.string(), expiresAt: z.iso.datetime() });
type Grant = z.infer<typeof grantSchema>;

export type TokenCheck =
  | { ok: true; expiresAt: Date }
  | { ok: false; status: 401 | 403; code: 'invalid_token' | 'token_expired' | 'forbidden'; message: string };

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * Short-lived tokens that each grant reading one payment's masked status. They are random, stored
 * hashed (a store dump gives nobody a working token), and expire by the clock port, so that a test
 * moves time instead of waiting; the store's own TTL only clears them away afterwards.
 */
export class StatusTokens {
  private readonly grants: RecordStore<Grant>;

  constructor(
    store: KeyValueStore,
    private readonly clock: Clock,
  ) {
    this.grants = new RecordStore(store, { prefix: 'status-token:', schema: grantSchema, ttlSeconds: STATUS_TOKEN_TTL.max });
  }

  async mint(paymentId: string, ttlSeconds: number): Promise<{ token: string; expiresAt: Date }> {
    const token = `cst_${randomBytes(32).toString('base64url')}`;
    const expiresAt = new Date(this.clock.now().getTime() + ttlSeconds * 1000);
    // A minute past the end, so a clock slightly behind the store's never loses a token early.
    await this.grants.put(hashOf(token), { paymentId, expiresAt: expiresAt.toISOString() }, ttlSeconds + 60);
    return { token, expiresAt };
  }

  /** Whether `token` may read `paymentId` now: 401 when it is malformed, unknown or expired; 403 for another payment. */
  async check(token: string | null, paymentId: string): Promise<TokenCheck> {
    if (!token || !STATUS_TOKEN.test(token)) return refused(401, 'invalid_token', 'A valid status token is required: Authorization: Bearer <token>.');
    const grant = (await this.grants.get(hashOf(token)))?.value;
    if (!grant) return refused(401, 'invalid_token', 'A valid status token is required: Authorization: Bearer <token>.');
    const expiresAt = new Date(grant.expiresAt);
    if (expiresAt.getTime() <= this.clock.now().getTime()) return refused(401, 'token_expired', 'The status token has expired; ask for a new one.');
    if (grant.paymentId !== paymentId) return refused(403, 'forbidden', 'The status token is for another payment.');
    return { ok: true, expiresAt };
  }
}

function refused(status: 401 | 403, code: 'invalid_token' | 'token_expired' | 'forbidden', message: string): TokenCheck {
  return { ok: false, status, code, message };
}
