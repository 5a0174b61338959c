import type { KeyValueStore } from '../../../src/ports/keyValueStore';
import type { Clock } from '../../../src/ports/clock';
import { PaymentExpiry } from '../../../src/core/payments/paymentExpiry';
import { PaymentRepository } from '../../../src/core/payments/paymentRepository';
import { PaymentService } from '../../../src/core/payments/paymentService';
import { createLogger } from '../../../src/observability/logger';
import { STORE_KINDS } from '../../support/harness';
import { useScratchStore } from '../../support/scratchStore';

const DAY_MS = 86_400_000;

class ManualClock implements Clock {
  private ms = Date.parse('2026-12-01T12:00:00.000Z');
  now(): Date {
    return new Date(this.ms);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** Counts the bytes every write to the store carries (values, members), per operation. */
function measuringWrites(store: KeyValueStore): { store: KeyValueStore; bytes: () => number; reset: () => void } {
  let bytes = 0;
  const counted = new Proxy(store, {
    get(target, name, receiver) {
      const original = Reflect.get(target, name, receiver) as unknown;
      if (typeof original !== 'function') return original;
      return (...args: unknown[]) => {
        if (['compareAndSet', 'set', 'indexAdd', 'mapCompareAndSet', 'append'].includes(String(name))) {
          for (const arg of args) if (typeof arg === 'string') bytes += Buffer.byteLength(arg);
        }
        return (original as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: counted, bytes: () => bytes, reset: () => (bytes = 0) };
}

describe.each(STORE_KINDS)('payment expiry (%s store)', (kind) => {
  let raw: KeyValueStore;
  useScratchStore(kind, 'all', (opened) => (raw = opened));

  function setUp(keyPrefix: string) {
    const measured = measuringWrites(scoped(raw, keyPrefix));
    const clock = new ManualClock();
    const repository = new PaymentRepository(measured.store, 30 * DAY_MS / 1000);
    const expiry = new PaymentExpiry(measured.store, repository, clock, createLogger({ silent: true }), { intervalMs: 1000 });
    const service = new PaymentService(repository, clock, expiry);
    const create = (ttlSeconds = DAY_MS / 1000) =>
      service.create({ amount: '12.34', amountMinor: 1234, currency: 'USD', description: null, channel: 'phone', callSid: null, locale: 'en-US', flowId: 'card', ttlSeconds });
    // Each round as if the interval had passed: the lease of the last round (a real-time TTL) is let go.
    const check = async () => {
      await measured.store.delete('payment-expiry:lease');
      return expiry.checkOnce();
    };
    return { measured, clock, repository, check, create, store: measured.store };
  }

  it('notes a payment with a write whose size does not grow with the number of pending payments', async () => {
    const { measured, create } = setUp('size:');
    for (let i = 0; i < 200; i += 1) await create();
    measured.reset();
    await create();
    // The payment record and its index entries; the whole ledger of 200 pending payments was about 11 kB.
    expect(measured.bytes()).toBeLessThan(2_000);
  });

  it('announces each payment once its time is up, and only then', async () => {
    const { clock, repository, check, create } = setUp('due:');
    const soon = await create(3600);
    const later = await create(2 * 3600);
    expect(await check()).toBe(0);
    clock.advance(3600 * 1000);
    expect(await check()).toBe(1);
    expect((await repository.get(soon.id))?.expiryAnnounced).toBe(true);
    expect((await repository.get(later.id))?.expiryAnnounced).toBeFalsy();
    clock.advance(3600 * 1000);
    expect(await check()).toBe(1);
    expect(await check()).toBe(0);
    expect((await repository.get(later.id))?.expiryAnnounced).toBe(true);
  });

  it('checks the payments an earlier release noted in its one-document ledger', async () => {
    const { clock, repository, check, create, store } = setUp('legacy:');
    const payment = await create(3600);
    // As the earlier release kept it: one versioned JSON document of every pending payment.
    await store.delete('payment-expiry:due');
    await store.set('payment-expiry:ledger', JSON.stringify({ entries: { [payment.id]: payment.expiresAt } }), 3600);
    clock.advance(3600 * 1000);
    expect(await check()).toBe(1);
    expect((await repository.get(payment.id))?.expiryAnnounced).toBe(true);
    expect(JSON.parse((await store.get('payment-expiry:ledger'))!.value)).toEqual({ entries: {} });
  });
});

/** The same store with every key under `keyPrefix`, so the tests of one store do not see each other's ledger. */
function scoped(store: KeyValueStore, keyPrefix: string): KeyValueStore {
  return new Proxy(store, {
    get(target, name, receiver) {
      const original = Reflect.get(target, name, receiver) as unknown;
      if (typeof original !== 'function') return original;
      return (...args: unknown[]) => {
        const keyed = ['ping', 'close'].includes(String(name)) ? args : args.map((a, i) => (i === 0 ? `${keyPrefix}${String(a)}` : a));
        if (name === 'delete') return target.delete(...args.map((a) => `${keyPrefix}${String(a)}`));
        return (original as (...a: unknown[]) => unknown).apply(target, keyed);
      };
    },
  });
}
