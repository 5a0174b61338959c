import { z } from 'zod';
import type { KeyValueStore } from '../../../src/ports/keyValueStore';
import { CorruptRecordError, RecordStore } from '../../../src/core/records/recordStore';
import { STORE_KINDS } from '../../support/harness';
import { useScratchStore } from '../../support/scratchStore';

const counterSchema = z.looseObject({
  count: z.number().int(),
  card: z.object({ last4: z.string() }),
  /** Written by newer releases only. */
  note: z.string().optional(),
});
type Counter = z.infer<typeof counterSchema>;

describe.each(STORE_KINDS)('the record store (%s store)', (kind) => {
  let store: KeyValueStore;
  let records: RecordStore<Counter>;
  useScratchStore(kind, 'all', (opened) => {
    store = opened;
    records = new RecordStore(store, { prefix: 'counter:', schema: counterSchema, ttlSeconds: 60 });
  });

  it('lands every one of many concurrent updates of one key', async () => {
    expect(await records.create('shared', { count: 0, card: { last4: '4242' } })).toBe(1);
    const writers = 6;
    await Promise.all(Array.from({ length: writers }, () => records.update('shared', (c) => (c ? { ...c, count: c.count + 1 } : null))));
    expect(await records.get('shared')).toEqual({ value: { count: writers, card: { last4: '4242' } }, version: writers + 1 });
  });

  it('creates once, leaves a record alone when the change says null, and deletes', async () => {
    expect(await records.create('once', { count: 1, card: { last4: '1111' } })).toBe(1);
    expect(await records.create('once', { count: 2, card: { last4: '1111' } })).toBeNull();
    expect(await records.update('once', () => null)).toEqual({ value: { count: 1, card: { last4: '1111' } }, version: 1 });
    expect(await records.compareAndSet('once', 7, { count: 3, card: { last4: '1111' } })).toBeNull();
    await records.delete('once');
    expect(await records.get('once')).toBeNull();
    expect(await records.update('once', (c) => c ?? { count: 9, card: { last4: '2222' } })).toEqual({
      value: { count: 9, card: { last4: '2222' } },
      version: 1,
    });
  });

  it('answers a corrupt record with an error naming the prefix and field, never the value', async () => {
    await store.set('counter:bad', JSON.stringify({ count: 'many', card: { last4: '4111111111111111' } }), 60);
    const error = await records.get('bad').then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CorruptRecordError);
    expect((error as Error).message).toBe('corrupt counter: record at count');
    expect((error as Error).message).not.toContain('4111');
    expect((error as Error).message).not.toContain('many');

    await store.set('counter:garbled', '{"count": 4111111111111111', 60);
    await expect(records.update('garbled', (c) => c)).rejects.toThrow('corrupt counter: record at (not JSON)');
  });

  it('reads a record an older release wrote without a newer optional field, and keeps fields it does not know', async () => {
    await store.set('counter:old', JSON.stringify({ count: 5, card: { last4: '0005' }, legacy: true }), 60);
    expect(await records.get('old')).toEqual({ value: { count: 5, card: { last4: '0005' }, legacy: true }, version: 1 });
    await records.update('old', (c) => (c ? { ...c, note: 'seen' } : null));
    const raw = await store.get('counter:old');
    expect(JSON.parse(raw!.value)).toEqual({ count: 5, card: { last4: '0005' }, legacy: true, note: 'seen' });
  });

  it('reads back its own write without the schema check, and checks whatever another writer left', async () => {
    const checks = jest.fn();
    const counted = new RecordStore<Counter>(store, { prefix: 'counter:', schema: counterSchema.superRefine(() => checks()), ttlSeconds: 60 });
    expect(await counted.create('mine', { count: 1, card: { last4: '0001' } })).toBe(1);
    expect(await counted.get('mine')).toEqual({ value: { count: 1, card: { last4: '0001' } }, version: 1 });
    await counted.update('mine', (c) => (c ? { ...c, count: c.count + 1 } : null));
    expect(await counted.get('mine')).toEqual({ value: { count: 2, card: { last4: '0001' } }, version: 2 });
    expect(checks).not.toHaveBeenCalled();

    // Another writer's records at later versions: a sound one, then a corrupt one.
    await store.set('counter:mine', JSON.stringify({ count: 7, card: { last4: '0001' } }), 60);
    expect(await counted.get('mine')).toEqual({ value: { count: 7, card: { last4: '0001' } }, version: 3 });
    expect(checks).toHaveBeenCalledTimes(1);
    await store.set('counter:mine', JSON.stringify({ count: 'many', card: { last4: '0001' } }), 60);
    await expect(counted.get('mine')).rejects.toThrow('corrupt counter: record at count');
  });

  it('checks other bytes found at the very version this process wrote (the key expired and was written again)', async () => {
    const checks = jest.fn();
    const counted = new RecordStore<Counter>(store, { prefix: 'counter:', schema: counterSchema.superRefine(() => checks()), ttlSeconds: 60 });
    expect(await counted.create('again', { count: 1, card: { last4: '0001' } })).toBe(1);
    await store.delete('counter:again');
    expect(await store.set('counter:again', JSON.stringify({ count: 1, card: null }), 60)).toBe(1);
    await expect(counted.get('again')).rejects.toThrow('corrupt counter: record at card');
    expect(checks).not.toHaveBeenCalled(); // the object schema failed before the refinement ran
  });

  it('checks a record again after its own delete and a write by another writer', async () => {
    const checks = jest.fn();
    const counted = new RecordStore<Counter>(store, { prefix: 'counter:', schema: counterSchema.superRefine(() => checks()), ttlSeconds: 60 });
    const value = { count: 3, card: { last4: '0003' } };
    expect(await counted.put('gone', value)).toBe(1);
    await counted.delete('gone');
    expect(await store.set('counter:gone', JSON.stringify(value), 60)).toBe(1);
    expect(await counted.get('gone')).toEqual({ value, version: 1 });
    expect(checks).toHaveBeenCalledTimes(1);
  });
});
