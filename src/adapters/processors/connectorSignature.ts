import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header the generic connector signs its requests with. */
export const SIGNATURE_HEADER = 'X-Gateway-Signature';
/** How far a receiver should let a signature's timestamp drift before refusing it as a replay. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, as the receiver recomputes it. */
export function signConnectorBody(secret: string, body: string, unixSeconds: number): string {
  return `t=${unixSeconds},v1=${hmac(secret, unixSeconds, body)}`;
}

export type SignatureCheck = { ok: true } | { ok: false; reason: 'missing' | 'malformed' | 'stale' | 'mismatch' };

/**
 * What a receiver runs on every request: the signature must match the exact raw body and the
 * timestamp must be within `toleranceSeconds` of its own clock, so a captured request cannot be replayed later.
 */
export function verifyConnectorSignature(
  secret: string,
  header: string | undefined,
  rawBody: string,
  options: { nowSeconds?: number; toleranceSeconds?: number } = {},
): SignatureCheck {
  if (!header) return { ok: false, reason: 'missing' };
  const parts = new Map(header.split(',').map((part) => part.trim().split('=', 2) as [string, string]));
  const t = parts.get('t');
  const v1 = parts.get('v1');
  if (!t || !/^\d{1,12}$/.test(t) || !v1 || !/^[0-9a-f]{64}$/.test(v1)) return { ok: false, reason: 'malformed' };
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - Number(t)) > (options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) return { ok: false, reason: 'stale' };
  const expected = Buffer.from(hmac(secret, Number(t), rawBody), 'hex');
  return timingSafeEqual(expected, Buffer.from(v1, 'hex')) ? { ok: true } : { ok: false, reason: 'mismatch' };
}

function hmac(secret: string, unixSeconds: number, body: string): string {
  return createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
}
