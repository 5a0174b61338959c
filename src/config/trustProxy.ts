import { isIP } from 'node:net';
import { z } from 'zod';

/**
 * Which peers may tell the gateway the client's address in X-Forwarded-For, in the forms Express's
 * `trust proxy` takes: none, a hop count, or addresses, CIDR ranges and the names `loopback`,
 * `linklocal` and `uniquelocal`.
 */
export type TrustProxy = false | number | readonly string[];

const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);
const MAX_HOPS = 16;

/** TRUST_PROXY. Unset trusts no proxy: the peer's own address is the client's. */
export const trustProxySetting = z
  .string()
  .optional()
  .transform((raw, ctx): TrustProxy => {
    const text = (raw ?? '').trim();
    if (text === '' || text === 'none') return false;
    if (/^\d+$/.test(text)) {
      const hops = Number(text);
      if (hops > MAX_HOPS) return refuse(ctx, `a hop count must be 0 to ${MAX_HOPS}`);
      return hops === 0 ? false : hops;
    }
    // Trusting every peer would let any client write its own address, and lock out someone else's.
    if (/^(true|\*|all)$/i.test(text)) {
      return refuse(ctx, 'trusting every peer lets any client choose its address; name the proxies (addresses, CIDR ranges, loopback, linklocal, uniquelocal) or a hop count');
    }
    const items = text.split(',').map((item) => item.trim());
    const bad = items.filter((item) => !validItem(item));
    if (bad.length > 0) {
      return refuse(ctx, `not an address, CIDR range, loopback, linklocal or uniquelocal: ${bad.map((b) => JSON.stringify(b)).join(', ')}`);
    }
    return Object.freeze(items);
  });

function refuse(ctx: z.core.$RefinementCtx<string | undefined>, message: string): never {
  ctx.addIssue({ code: 'custom', message });
  return z.NEVER;
}

function validItem(item: string): boolean {
  if (NAMED_RANGES.has(item)) return true;
  const [address = '', prefix, ...rest] = item.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}
