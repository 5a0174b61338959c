import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { CallFlows } from '../../../../src/core/capture/callFlows';
import { FlowRegistry, compileFlow } from '../../../../src/core/capture/flowRegistry';
import { canonicalFlowText, flowTextHash } from '../../../../src/core/flows/flowContent';
import { parseFlow } from '../../../../src/core/flows/loadFlows';
import type { Flow } from '../../../../src/core/flows/schema';
import { createLogger } from '../../../../src/observability/logger';
import type { KeyValueStore } from '../../../../src/ports/keyValueStore';
import { MemoryStore } from '../../../../src/adapters/store/memoryStore';

const SESSION_TTL_SECONDS = 7200;
const shipped = parseFlow(readFileSync('flows/default.json', 'utf8'), 'flows/default.json');

/** The shipped default flow with one prompt reworded: other content under the same id. */
function reworded(ask: string): Flow {
  const flow = structuredClone(shipped);
  flow.locales['en-US']!.prompts['cardNumber.ask'] = ask;
  return flow;
}

/** A memory store that counts reads and writes, and remembers each write's TTL. */
function countingStore() {
  const inner = new MemoryStore();
  const counts = { gets: 0, sets: 0, ttls: [] as number[] };
  const store: KeyValueStore = Object.assign(Object.create(inner) as KeyValueStore, {
    get: (key: string) => {
      counts.gets += 1;
      return inner.get(key);
    },
    set: (key: string, value: string, ttlSeconds: number) => {
      counts.sets += 1;
      counts.ttls.push(ttlSeconds);
      return inner.set(key, value, ttlSeconds);
    },
  });
  return { store, inner, counts };
}

function setUp(options: { cacheSize?: number; local?: Flow } = {}) {
  const { store, inner, counts } = countingStore();
  let nowMs = Date.parse('2026-03-01T10:00:00Z');
  const clock = { now: () => new Date(nowMs) };
  const logs: string[] = [];
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => logs.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  const registry = new FlowRegistry(new Map([['default', options.local ?? shipped]]), 'default');
  const flows = new CallFlows({
    registry,
    store,
    clock,
    logger: createLogger({ level: 'debug', stream }),
    sessionTtlSeconds: SESSION_TTL_SECONDS,
    ...(options.cacheSize ? { cacheSize: options.cacheSize } : {}),
  });
  return { flows, registry, store: inner, counts, logs, advance: (ms: number) => (nowMs += ms) };
}

/** Puts a flow's content in the store as a process that started a call on it would. */
async function storedElsewhere(store: KeyValueStore, flow: Flow): Promise<string> {
  const text = canonicalFlowText(flow);
  const hash = flowTextHash(text);
  await store.set(`flow:${flow.id}:${hash}`, text, 60);
  return hash;
}

describe('the flow a call started on', () => {
  it('has one hash for one content, whatever the key order of its file', () => {
    const reversed = (o: object) => Object.fromEntries(Object.entries(o).reverse());
    const shuffled = reversed(structuredClone(shipped)) as Flow;
    shuffled.locales['en-US']!.prompts = reversed(shuffled.locales['en-US']!.prompts);
    expect(Object.keys(shuffled)[0]).not.toBe(Object.keys(shipped)[0]);
    expect(compileFlow(shuffled).hash).toBe(compileFlow(shipped).hash);
    expect(compileFlow(reworded('Type the card number now.')).hash).not.toBe(compileFlow(shipped).hash);
  });

  it('is stored under its hash when a call starts, for longer than a session lives', async () => {
    const { flows, registry, store, counts } = setUp();
    const pinned = await flows.pin('default');
    expect(pinned).toBe(registry.get('default'));
    const stored = await store.get(`flow:default:${pinned.hash}`);
    expect(stored?.value).toBe(pinned.text);
    expect(flowTextHash(stored!.value)).toBe(pinned.hash);
    expect(counts.ttls[0]).toBeGreaterThanOrEqual(2 * SESSION_TTL_SECONDS);
  });

  it('is written again only once a session could have outlived the last write', async () => {
    const { flows, counts, advance } = setUp();
    await flows.pin('default');
    await flows.pin('default');
    await flows.of({ flowId: 'default', flowHash: (await flows.pin('default')).hash });
    expect(counts.sets).toBe(1);
    advance(SESSION_TTL_SECONDS * 1000);
    await flows.pin('default');
    expect(counts.sets).toBe(2);
  });

  it('costs no store read on a process that has the same content', async () => {
    const { flows, registry, counts } = setUp();
    const local = registry.get('default');
    counts.gets = 0;
    for (let i = 0; i < 5; i += 1) expect(await flows.of({ flowId: 'default', flowHash: local.hash })).toBe(local);
    expect(counts.gets).toBe(0);
  });

  it('is read from the store, checked and compiled once on a process whose flow file changed', async () => {
    const { flows, store, counts, logs } = setUp();
    const old = reworded('Old words: enter the card number.');
    const hash = await storedElsewhere(store, old);
    const [first, second] = await Promise.all([flows.of({ flowId: 'default', flowHash: hash }), flows.of({ flowId: 'default', flowHash: hash })]);
    expect(first.flow.locales['en-US']!.prompts['cardNumber.ask']).toBe('Old words: enter the card number.');
    expect(first.hash).toBe(hash);
    expect(second).toBe(first);
    expect(await flows.of({ flowId: 'default', flowHash: hash })).toBe(first);
    expect(counts.gets).toBe(1);
    // This process keeps the content alive for the calls it serves too.
    expect(counts.ttls).toEqual([2 * SESSION_TTL_SECONDS]);
    expect(logs.filter((l) => l.includes('loaded from the store'))).toHaveLength(1);
  });

  it('is the local flow for a session of an earlier release, which names no hash', async () => {
    const { flows, registry, counts } = setUp();
    expect(await flows.of({ flowId: 'default' })).toBe(registry.get('default'));
    expect(counts.gets).toBe(0);
  });

  it.each([
    ['content that does not match its hash', (text: string) => text.replace('Old words', 'New words'), 'does not match its hash'],
    ['content the flow schema refuses', (text: string) => JSON.stringify({ ...JSON.parse(text), tries: { cardNumber: 9 } }), 'tries'],
    ['another flow', (text: string) => JSON.stringify({ ...JSON.parse(text), id: 'other' }), 'content is flow "other"'],
  ])('falls back to the local flow, with a warning, for %s', async (_name, spoil, reason) => {
    const { flows, registry, store, counts, logs } = setUp();
    const text = spoil(canonicalFlowText(reworded('Old words: enter the card number.')));
    // Stored under the hash of what is stored, except for the first case, which is tampered with.
    const hash = reason === 'does not match its hash' ? flowTextHash(canonicalFlowText(reworded('Old words: enter the card number.'))) : flowTextHash(text);
    await store.set(`flow:default:${hash}`, text, 60);
    expect(await flows.of({ flowId: 'default', flowHash: hash })).toBe(registry.get('default'));
    expect(await flows.of({ flowId: 'default', flowHash: hash })).toBe(registry.get('default'));
    expect(counts.gets).toBe(1);
    const warnings = logs.map((l) => JSON.parse(l)).filter((l) => l.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0].problem).toContain(reason);
  });

  it('falls back to the local flow when the content is gone, and fails when there is no local flow either', async () => {
    const { flows, registry } = setUp();
    expect(await flows.of({ flowId: 'default', flowHash: 'f'.repeat(64) })).toBe(registry.get('default'));
    await expect(flows.of({ flowId: 'shop', flowHash: 'f'.repeat(64) })).rejects.toThrow('shop');
    await expect(flows.of({ flowId: 'shop' })).rejects.toThrow('unknown flow "shop"');
  });

  it('keeps a bounded number of other contents compiled', async () => {
    const { flows, store, counts } = setUp({ cacheSize: 2 });
    const hashes = [];
    for (const n of [1, 2, 3]) hashes.push(await storedElsewhere(store, reworded(`Version ${n}: enter the card number.`)));
    for (const hash of hashes) await flows.of({ flowId: 'default', flowHash: hash });
    expect(counts.gets).toBe(3);
    await flows.of({ flowId: 'default', flowHash: hashes[2]! });
    expect(counts.gets).toBe(3);
    const again = await flows.of({ flowId: 'default', flowHash: hashes[0]! });
    expect(counts.gets).toBe(4);
    expect(again.flow.locales['en-US']!.prompts['cardNumber.ask']).toBe('Version 1: enter the card number.');
  });
});
