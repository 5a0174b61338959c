import { API_KEY, STORE_KINDS, startTestGateway, type TestGateway } from '../../support/harness';

describe.each(STORE_KINDS)('the start page at / (%s store)', (kind) => {
  let tg: TestGateway;
  beforeAll(async () => {
    tg = await startTestGateway(kind);
  });
  afterAll(async () => {
    await tg.close();
  });

  it('links to the panel, the OpenAPI document and health, and shows the simulator command', async () => {
    const res = await fetch(`${tg.gateway.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    const hrefs = [...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]);
    expect(hrefs).toEqual(expect.arrayContaining([`${tg.baseUrl}/panel`, `${tg.baseUrl}/api/openapi.json`, `${tg.baseUrl}/healthz`]));
    expect(html).toContain(`npm run simulate -- --url ${tg.baseUrl} --api-key &#34;$API_KEY&#34;`);
    expect(html).toContain('export API_KEY=…');
    // The key is printed once in the terminal; a page anyone on the network can load never shows it.
    expect(html).not.toContain(API_KEY);
  });

  it('keeps the strict Content-Security-Policy, with nothing inline for it to block', async () => {
    const res = await fetch(`${tg.gateway.url}/`);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await res.text();
    expect(html).not.toMatch(/<script|<style|\sstyle=|\son[a-z]+=/i);
  });

  it('leaves every other unknown path a JSON 404', async () => {
    for (const path of ['/nope', '/index.html']) {
      const res = await fetch(`${tg.gateway.url}${path}`);
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: { code: 'not_found', message: 'No such endpoint.' } });
    }
  });
});

// Production needs Redis, so this runs on the Redis store only.
describe('the start page in production', () => {
  let tg: TestGateway;
  beforeAll(async () => {
    tg = await startTestGateway('redis', { env: { NODE_ENV: 'production', PUBLIC_BASE_URL: 'https://pay.example.com', PROCESSOR: 'sandbox' } });
  });
  afterAll(async () => {
    await tg.close();
  });

  it('is not served: / is an unknown path', async () => {
    const res = await fetch(`${tg.gateway.url}/`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: 'not_found', message: 'No such endpoint.' } });
  });
});
