import { addAgent, openBridge, postSignIn, startBridgeRig, type BridgeRig } from '../../support/bridgeCalls';

jest.setTimeout(20_000);

/** Signs in over plain HTTP and answers the session cookie and the page's CSRF token. */
async function signIn(rig: BridgeRig): Promise<{ cookie: string; csrf: string; setCookie: string }> {
  const res = await postSignIn(rig, await addAgent(rig, 'alice'));
  expect(res.status).toBe(303);
  const setCookie = res.headers.get('set-cookie') ?? '';
  const cookie = setCookie.split(';')[0]!;
  const page = await (await fetch(`${rig.tg.gateway.url}/panel`, { headers: { cookie } })).text();
  const csrf = /name="csrf-token" content="([^"]+)"/.exec(page)![1]!;
  return { cookie, csrf, setCookie };
}

describe('agent panel over HTTP', () => {
  let rig: BridgeRig;
  beforeEach(async () => {
    rig = await startBridgeRig('memory');
  });
  afterEach(async () => {
    await rig.close();
  });

  it('sets an HttpOnly, SameSite=Strict session cookie scoped to the panel and serves a strict CSP', async () => {
    const { setCookie, cookie } = await signIn(rig);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).toMatch(/Path=\/panel/);
    expect(setCookie).not.toMatch(/Secure/);
    const res = await fetch(`${rig.tg.gateway.url}/panel`, { headers: { cookie } });
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('content-security-policy')).not.toContain('unsafe-inline');
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('refuses an action without the CSRF token, with a wrong one, or from another origin, and changes nothing', async () => {
    const caller = rig.tg.call();
    const bridgeId = await openBridge(rig, caller);
    const { cookie, csrf } = await signIn(rig);
    const attempt = (headers: Record<string, string>) =>
      fetch(`${rig.tg.gateway.url}/panel/bridges/${bridgeId}/capture`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ amount: '1.00', currency: 'USD' }),
      });
    expect((await attempt({ origin: rig.tg.baseUrl })).status).toBe(403);
    expect((await attempt({ origin: rig.tg.baseUrl, 'x-csrf-token': 'wrong' })).status).toBe(403);
    expect((await attempt({ origin: 'https://evil.example', 'x-csrf-token': csrf })).status).toBe(403);
    expect(rig.control.operations.map((op) => op.op)).toEqual(['dialAgent']);
    const ok = await attempt({ origin: rig.tg.baseUrl, 'x-csrf-token': csrf });
    expect(ok.status).toBe(200);
  });

  it('answers 401 to actions and events without a session', async () => {
    expect((await fetch(`${rig.tg.gateway.url}/panel/events`)).status).toBe(401);
    const res = await fetch(`${rig.tg.gateway.url}/panel/bridges/br_${'0'.repeat(32)}/actions/cancel`, { method: 'POST', headers: { origin: rig.tg.baseUrl } });
    expect(res.status).toBe(401);
  });

  it('locks sign-in from an address after 10 wrong keys, even for the right key, and audits it', async () => {
    const key = await addAgent(rig, 'alice');
    for (let i = 0; i < 10; i += 1) expect((await postSignIn(rig, `wrong-key-${i}-0123456789abcdef`)).status).toBe(401);
    const locked = await postSignIn(rig, key);
    expect(locked.status).toBe(429);
    expect(locked.headers.get('set-cookie')).toBeNull();
    const results = (await rig.tg.gateway.store.readLog('audit:panel')).map((e) => (JSON.parse(e.value) as { result: string }).result);
    expect(results.at(-1)).toBe('locked_out');
    expect(results.filter((r) => r === 'wrong_key')).toHaveLength(10);
  });

  it('marks the cookie Secure when the public URL is https', async () => {
    const secureRig = await startBridgeRig('memory', { PUBLIC_BASE_URL: 'https://gw.example' });
    try {
      const res = await fetch(`${secureRig.tg.gateway.url}/panel/sign-in`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://gw.example' },
        body: new URLSearchParams({ key: await addAgent(secureRig, 'alice') }).toString(),
      });
      expect(res.headers.get('set-cookie')).toMatch(/; Secure/);
    } finally {
      await secureRig.close();
    }
  });
});
