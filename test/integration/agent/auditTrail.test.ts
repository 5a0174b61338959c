import { PassThrough } from 'node:stream';
import Redis from 'ioredis';
import { AuditTrail, type AuditEntry } from '../../../src/agent/auditTrail';
import { createLogger } from '../../../src/observability/logger';
import type { KeyValueStore } from '../../../src/ports/keyValueStore';
import { MemoryStore } from '../../../src/adapters/store/memoryStore';
import { CorruptRecordError } from '../../../src/core/records/recordStore';
import { loadConfig } from '../../../src/config/config';
import { problemsOf } from '../../support/configProblems';
import { REDIS_URL, STORE_KINDS, startTestGateway } from '../../support/harness';
import { useScratchStore } from '../../support/scratchStore';

jest.setTimeout(30_000);

const YEAR_SECONDS = 365 * 86_400;
const logger = createLogger({ level: 'error', stream: new PassThrough() });

function entry(i: number, action: AuditEntry['action'] = 'sign-in'): AuditEntry {
  return { at: new Date(Date.UTC(2030, 0, 1) + i).toISOString(), actor: 'anonymous', ip: '127.0.0.1', origin: null, action, resource: null, result: `r${i}` };
}

describe.each(STORE_KINDS)('the panel audit trail (%s store)', (kind) => {
  let store: KeyValueStore;
  useScratchStore(kind, 'each', (opened) => (store = opened));

  it('stores every one of 1000 concurrent entries after the older history, and reads them back in order', async () => {
    const audit = new AuditTrail(store, logger, YEAR_SECONDS);
    await audit.record(entry(-1, 'start-capture'));
    await Promise.all(Array.from({ length: 1000 }, (_, i) => audit.record(entry(i))));
    const stored = await audit.entries();
    expect(stored).toHaveLength(1001);
    expect(stored[0]).toEqual(entry(-1, 'start-capture'));
    expect(stored.slice(1).map((e) => e.result)).toEqual(Array.from({ length: 1000 }, (_, i) => `r${i}`));
  });

  it('reads the trail in pages', async () => {
    const audit = new AuditTrail(store, logger, YEAR_SECONDS);
    for (let i = 0; i < 5; i += 1) await audit.record(entry(i));
    const first = await audit.page({ count: 3 });
    expect(first.map(({ entry: e }) => e.result)).toEqual(['r0', 'r1', 'r2']);
    expect((await audit.page({ after: first.at(-1)!.id })).map(({ entry: e }) => e.result)).toEqual(['r3', 'r4']);
  });
});

describe('a corrupt audit entry', () => {
  it('is a clear error naming the field, not a cast that lets it through', async () => {
    const store = new MemoryStore();
    const audit = new AuditTrail(store, logger, YEAR_SECONDS);
    await store.append('audit:panel', JSON.stringify({ at: 'now', actor: 'ana', ip: '127.0.0.1', origin: null, action: 'format-disk', resource: null, result: 'ok' }), YEAR_SECONDS);
    await expect(audit.page()).rejects.toThrow(new CorruptRecordError('audit:panel', 'action'));
    await store.close();
  });
});

describe('audit retention', () => {
  it('keeps entries for the retention and drops them after it', async () => {
    let now = Date.UTC(2030, 0, 1);
    const store = new MemoryStore({ now: () => now });
    const audit = new AuditTrail(store, logger, YEAR_SECONDS);
    await audit.record(entry(0));
    now += 364 * 86_400_000;
    await audit.record(entry(1));
    expect((await audit.entries()).map((e) => e.result)).toEqual(['r0', 'r1']);
    now += 2 * 86_400_000;
    await audit.record(entry(2));
    expect((await audit.entries()).map((e) => e.result)).toEqual(['r1', 'r2']);
    await store.close();
  });
});

describe('AUDIT_RETENTION_DAYS', () => {
  it('defaults to a year and refuses less than the three months PCI DSS wants at hand', () => {
    expect(loadConfig({}).audit.retentionDays).toBe(365);
    expect(loadConfig({ AUDIT_RETENTION_DAYS: '730' }).audit.retentionDays).toBe(730);
    expect(problemsOf({ AUDIT_RETENTION_DAYS: '30' })).toEqual([expect.stringMatching(/^AUDIT_RETENTION_DAYS: .*90/)]);
  });

  it('is how long the gateway keeps the panel audit stream in Redis', async () => {
    const tg = await startTestGateway('redis', { env: { AUDIT_RETENTION_DAYS: '400' } });
    const redis = new Redis(REDIS_URL);
    try {
      const res = await fetch(`${tg.gateway.url}/panel/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: tg.baseUrl },
        body: new URLSearchParams({ key: 'wrong-key-0123456789abcdef' }).toString(),
      });
      expect(res.status).toBe(401);
      const key = `${tg.prefix}audit:panel`;
      expect(await redis.type(key)).toBe('stream');
      expect(await redis.pttl(key)).toBeGreaterThan(399 * 86_400_000);
    } finally {
      redis.disconnect();
      await tg.close();
    }
  });
});
