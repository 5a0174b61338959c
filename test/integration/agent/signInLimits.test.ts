import { STORE_KINDS, addTestAgent, startTestGateway, type TestGateway } from '../../support/harness';
import { openPage } from '../../support/payLinks';
import { type PrivateRedis, startRedisServer } from '../../support/privateRedis';

jest.setTimeout(30_000);

/** Posts the sign-in form as a browser on `origin` would. */
function signIn(tg: TestGateway, key: string, origin = tg.baseUrl): Promise<Response> {
  return fetch(`${tg.gateway.url}/panel/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
    body: new URLSearchParams({ key }).toString(),
  });
}

describe.each(STORE_KINDS)('panel sign-in throttling (%s store)', (kind) => {
  let tg: TestGateway;
  beforeEach(async () => {
    tg = await startTestGateway(kind);
  });
  afterEach(async () => {
    await tg.close();
  });

  it('checks exactly 10 of 100 concurrent wrong keys from one address, refuses the rest, and stays locked', async () => {
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => signIn(tg, `wrong-key-${i}-0123456789abcdef`)));
    const statuses = answers.map((res) => res.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(90);
    const locked = await signIn(tg, await addTestAgent(tg));
    expect(locked.status).toBe(429);
    expect(locked.headers.get('set-cookie')).toBeNull();
    expect(await locked.text()).toContain('Too many wrong keys from this address.');
  });

  it('tells a page opened at another origin where the panel is, and does not count it as a try', async () => {
    const origin = new URL(tg.baseUrl).origin;
    for (let i = 0; i < 12; i += 1) {
      const res = await signIn(tg, `wrong-key-${i}-0123456789abcdef`, 'http://localhost:1');
      expect(res.status).toBe(403);
      const page = await res.text();
      expect(page).toContain(`open the panel at ${origin}`);
      expect(page).not.toContain('That key is not valid');
    }
    for (let i = 0; i < 9; i += 1) expect((await signIn(tg, `wrong-key-${i}-0123456789abcdef`)).status).toBe(401);
    expect((await signIn(tg, await addTestAgent(tg))).status).toBe(303);
  });
});

describe('rate limits when Redis cannot be reached', () => {
  let redis: PrivateRedis | undefined;
  let tg: TestGateway | undefined;
  beforeAll(async () => {
    redis = await startRedisServer();
    // The memory kind only stops the harness from cleaning the shared Redis: REDIS_URL picks the store.
    tg = await startTestGateway('memory', { env: { REDIS_URL: `redis://127.0.0.1:${redis.port}` } });
  }, 20_000);
  afterAll(async () => {
    await redis?.stop();
    await tg?.close();
  });

  it('refuses sign-in with a clear message and pay pages with 429/503, never letting them through', async () => {
    const created = await tg!.createPayment({ channel: 'link' });
    const agentKey = await addTestAgent(tg!);
    expect((await openPage(tg!, created.payUrl)).status).toBe(200);
    await redis!.stop();

    const refused = await signIn(tg!, agentKey);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('set-cookie')).toBeNull();
    expect(await refused.text()).toContain('Sign-in is unavailable right now.');

    const page = await openPage(tg!, created.payUrl);
    expect([429, 503]).toContain(page.status);
    expect(page.html).not.toContain('name="cardNumber"');
  });
});
