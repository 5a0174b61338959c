import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/** Answers every address a host name resolves to. */
export type ResolveHost = (host: string) => Promise<string[]>;

export const resolveHost: ResolveHost = async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

const MAX_URL_LENGTH = 2048;

/** Addresses a production gateway never posts to: its own host, its network, cloud metadata services. */
const notPublic = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const) {
  notPublic.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  notPublic.addSubnet(network, prefix, 'ipv6');
}

/** An IPv6 form of an IPv4 address (::ffff:10.0.0.1) is judged as the IPv4 address it is. */
function isNotPublic(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return notPublic.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return notPublic.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Why an endpoint URL cannot be used, or null when it can. https only; plain http only to this
 * machine and only outside production; in production, never a host that resolves to a private,
 * loopback or link-local address (the gateway would be made to post into its own network).
 */
export async function endpointUrlProblem(raw: string, rules: { production: boolean; resolve: ResolveHost }): Promise<string | null> {
  if (raw.length > MAX_URL_LENGTH) return `must be at most ${MAX_URL_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute https:// URL';
  }
  if (url.username || url.password) return 'must not carry credentials';
  if (url.hash) return 'must not have a #fragment';
  if (url.protocol === 'http:') {
    if (rules.production) return 'must be https in production';
    if (!isLoopbackHost(url.hostname)) return 'must be https (plain http only to localhost, outside production)';
    return null;
  }
  if (url.protocol !== 'https:') return 'must be an absolute https:// URL';
  if (!rules.production) return null;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : await rules.resolve(host);
  } catch {
    return `host "${host.slice(0, 100)}" does not resolve`;
  }
  if (addresses.length === 0) return `host "${host.slice(0, 100)}" does not resolve`;
  if (addresses.some(isNotPublic)) return 'must not resolve to a private, loopback or link-local address in production';
  return null;
}
