import { STORE_KINDS, startTestGateway, type TestGateway } from '../../support/harness';
import { ManualClock } from '../../support/payLinks';

describe.each(STORE_KINDS)('GET /api/payments (%s store)', (kind) => {
  let tg: TestGateway;
  const clock = new ManualClock(new Date('2030-01-01T00:00:00Z'));
  /** Ids in creation order, with what each was made as. */
  const made: Array<{ id: string; channel: string; createdAt: string }> = [];

  beforeAll(async () => {
    tg = await startTestGateway(kind, { clock });
    for (let i = 0; i < 7; i += 1) {
      const channel = i % 3 === 0 ? 'link' : 'phone';
      const p = await tg.createPayment({ channel, description: `Order ${i}` });
      made.push({ id: p.id, channel, createdAt: p.createdAt });
      clock.advance(60);
    }
    await tg.api('POST', `/api/payments/${made[1]!.id}/cancel`);
  });
  afterAll(async () => {
    await tg.close();
  });

  const list = async (query: string) => tg.api('GET', `/api/payments${query}`);
  const ids = (body: { data: Array<{ id: string }> }) => body.data.map((p) => p.id);
  const newestFirst = () => [...made].reverse().map((m) => m.id);

  it('lists every payment newest first, as its masked view', async () => {
    const res = await list('');
    expect(res.status).toBe(200);
    expect(ids(res.body)).toEqual(newestFirst());
    expect(res.body.nextCursor).toBeNull();
    expect(res.text).not.toMatch(/payCode/);
  });

  it('pages with an opaque cursor, and a page is stable while payments are created', async () => {
    const first = await list('?limit=3');
    expect(ids(first.body)).toEqual(newestFirst().slice(0, 3));
    expect(typeof first.body.nextCursor).toBe('string');
    // Created between two page reads: it belongs above the first page, never in a later one.
    const newer = await tg.createPayment({ description: 'Late' });
    const seen = [...ids(first.body)];
    let cursor: string | null = first.body.nextCursor;
    while (cursor) {
      const page = await list(`?limit=3&cursor=${cursor}`);
      expect(page.status).toBe(200);
      seen.push(...ids(page.body));
      cursor = page.body.nextCursor;
    }
    expect(seen).toEqual(newestFirst());
    expect(ids((await list('?limit=1')).body)).toEqual([newer.id]);
    made.push({ id: newer.id, channel: 'phone', createdAt: newer.createdAt });
    clock.advance(60);
  });

  it('filters by status, channel and creation range', async () => {
    expect(ids((await list('?status=canceled')).body)).toEqual([made[1]!.id]);
    expect(ids((await list('?channel=link')).body)).toEqual(newestFirst().filter((id) => made.find((m) => m.id === id)!.channel === 'link'));
    const range = await list(`?createdFrom=${made[2]!.createdAt}&createdTo=${made[4]!.createdAt}`);
    expect(ids(range.body)).toEqual([made[3]!.id, made[2]!.id]);
    const combined = await list(`?channel=phone&status=pending&createdTo=${made[3]!.createdAt}`);
    expect(ids(combined.body)).toEqual([made[2]!.id]);
  });

  it('refuses bad parameters with 400 naming the parameter', async () => {
    const cases: Array<[string, string]> = [
      ['?limit=0', 'invalid_limit'],
      ['?limit=101', 'invalid_limit'],
      ['?status=done', 'invalid_status'],
      ['?channel=fax', 'invalid_channel'],
      ['?createdFrom=yesterday', 'invalid_createdFrom'],
      ['?cursor=not-ours', 'invalid_cursor'],
      ['?page=2', 'unknown_parameter'],
    ];
    for (const [query, code] of cases) {
      const res = await list(query);
      expect([query, res.status, res.body.error.code]).toEqual([query, 400, code]);
    }
  });

  it('needs the API key', async () => {
    const res = await fetch(`${tg.gateway.url}/api/payments`);
    expect(res.status).toBe(401);
  });
});
