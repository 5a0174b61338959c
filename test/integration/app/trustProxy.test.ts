import { request } from 'node:http';
import { STORE_KINDS, addTestAgent, startTestGateway, type TestGateway } from '../../support/harness';

jest.setTimeout(30_000);

/**
 * Posts the sign-in form from the loopback address `from` (every 127/8 address is this machine, so
 * two clients can have different real addresses), optionally claiming another in X-Forwarded-For.
 */
function signIn(tg: TestGateway, key: string, from: string, forwardedFor?: string): Promise<number> {
  const body = new URLSearchParams({ key }).toString();
  const url = new URL('/panel/sign-in', tg.gateway.url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        localAddress: from,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
          origin: tg.baseUrl,
          ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const wrongKeys = (n: number) => Array.from({ length: n }, (_, i) => `wrong-key-${i}-0123456789abcdef`);

describe.each(STORE_KINDS)('client addresses behind proxies (%s store)', (kind) => {
  let tg: TestGateway | undefined;
  afterEach(async () => {
    await tg?.close();
    tg = undefined;
  });

  it('without TRUST_PROXY ignores X-Forwarded-For: a client naming its victim locks out only itself', async () => {
    tg = await startTestGateway(kind);
    const agentKey = await addTestAgent(tg);
    for (const key of wrongKeys(10)) expect(await signIn(tg, key, '127.0.0.1', '127.0.0.2')).toBe(401);
    expect(await signIn(tg, agentKey, '127.0.0.1', '127.0.0.2')).toBe(429);
    expect(await signIn(tg, agentKey, '127.0.0.1')).toBe(429);
    // The victim, connecting from the address the attacker named, is not locked out.
    expect(await signIn(tg, agentKey, '127.0.0.2')).toBe(303);
    expect(await signIn(tg, agentKey, '127.0.0.2', '127.0.0.1')).toBe(303);
  });

  it('with TRUST_PROXY=loopback keys lockouts on the forwarded address', async () => {
    tg = await startTestGateway(kind, { env: { TRUST_PROXY: 'loopback' } });
    const agentKey = await addTestAgent(tg);
    for (const key of wrongKeys(10)) expect(await signIn(tg, key, '127.0.0.1', '198.51.100.1')).toBe(401);
    expect(await signIn(tg, agentKey, '127.0.0.1', '198.51.100.1')).toBe(429);
    expect(await signIn(tg, agentKey, '127.0.0.1', '198.51.100.2')).toBe(303);
  });
});
