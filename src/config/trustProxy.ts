import { isIP } from 'node:net';

/**
 * Which peers may tell the gateway the client's address in X-Forwarded-For, in the forms Express's
 * `trust proxy` takes: none, a hop count, or addresses, CIDR ranges and the names `loopback`,
 * `linklocal` and `uniquelocal`.
 */
export type TrustProxy = false | number | string[];

const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);
const MAX_HOPS = 16;

/** The setting, or why it is refused. Unset trusts no proxy: the peer's own address is the client's. */
export function parseTrustProxy(raw: string | undefined): { value: TrustProxy } | { problem: string } {
  const text = (raw ?? '').trim();
  if (text === '' || text === 'none') return { value: false };
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    if (hops > MAX_HOPS) return { problem: `TRUST_PROXY: a hop count must be 0 to ${MAX_HOPS}` };
    return { value: hops === 0 ? false : hops };
  }
  // Trusting every peer would let any client write its own address, and lock out someone else's.
  if (/^(true|\*|all)$/i.test(text)) {
    return { problem: 'TRUST_PROXY: trusting every peer lets any client choose its address; name the proxies (addresses, CIDR ranges, loopback, linklocal, uniquelocal) or a hop count' };
  }
  const items = text.split(',').map((item) => item.trim());
  const bad = items.filter((item) => !validItem(item));
  if (bad.length > 0) {
    return { problem: `TRUST_PROXY: not an address, CIDR range, loopback, linklocal or uniquelocal: ${bad.map((b) => JSON.stringify(b)).join(', ')}` };
  }
  return { value: items };
}

function validItem(item: string): boolean {
  if (NAMED_RANGES.has(item)) return true;
  const [address = '', prefix, ...rest] = item.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}
