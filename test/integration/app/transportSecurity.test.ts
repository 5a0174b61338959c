import { STORE_KINDS, startTestGateway, type TestGateway } from '../../support/harness';

describe.each(STORE_KINDS)('Strict-Transport-Security (%s store)', (kind) => {
  let tg: TestGateway | undefined;
  afterEach(async () => {
    await tg?.close();
    tg = undefined;
  });

  /** The headers of a browser-facing answer (the API's OpenAPI document and an unknown path). */
  async function hstsHeaders(env: Record<string, string>): Promise<(string | null)[]> {
    tg = await startTestGateway(kind, { env });
    const paths = ['/api/openapi.json', '/no-such-page'];
    return Promise.all(paths.map(async (path) => (await fetch(tg!.gateway.url + path)).headers.get('strict-transport-security')));
  }

  it('is sent when the public URL is https', async () => {
    for (const header of await hstsHeaders({ PUBLIC_BASE_URL: 'https://pay.example.com' })) {
      expect(header).toMatch(/^max-age=\d+/);
    }
  });

  it('is not sent when the public URL is plain http, as in development on localhost', async () => {
    expect(await hstsHeaders({})).toEqual([null, null]);
    expect(tg!.baseUrl).toMatch(/^http:\/\//);
  });
});
