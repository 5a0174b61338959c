import { randomBytes } from 'node:crypto';
import { CallSessionRepository, type CallSession } from '../../../src/core/capture/callSession';
import type { PaymentEvent } from '../../../src/core/payments/paymentEvents';
import { PaymentRepository } from '../../../src/core/payments/paymentRepository';
import { PaymentService } from '../../../src/core/payments/paymentService';
import type { KeyValueStore } from '../../../src/ports/keyValueStore';
import { MemoryStore } from '../../../src/adapters/store/memoryStore';
import { connectRedis, RedisStore } from '../../../src/adapters/store/redisStore';
import { REDIS_URL, STORE_KINDS, type StoreKind } from '../../support/harness';

const clock = { now: () => new Date('2026-01-01T00:00:00.000Z') };

async function openStore(kind: StoreKind): Promise<KeyValueStore> {
  return kind === 'memory' ? new MemoryStore() : new RedisStore(await connectRedis(REDIS_URL), `test:${randomBytes(6).toString('hex')}:`);
}

/** Counts the store calls a projection makes: the reads, the single writes and the paired ones. */
function counting(store: KeyValueStore): { store: KeyValueStore; calls: Record<'get' | 'compareAndSet' | 'compareAndSetPair', number> } {
  const calls = { get: 0, compareAndSet: 0, compareAndSetPair: 0 };
  const counted = Object.create(store) as KeyValueStore;
  counted.get = (key) => {
    calls.get += 1;
    return store.get(key);
  };
  counted.compareAndSet = (...args) => {
    calls.compareAndSet += 1;
    return store.compareAndSet(...args);
  };
  counted.compareAndSetPair = (...args) => {
    calls.compareAndSetPair += 1;
    return store.compareAndSetPair(...args);
  };
  return { store: counted, calls };
}

/** One gateway process's view of the store: its own record stores, so its own memory of its writes. */
function processOn(store: KeyValueStore) {
  const events: Array<{ paymentId: string; events: PaymentEvent[] }> = [];
  const repository = new PaymentRepository(store, 3600, { committed: async (payment, announced) => void events.push({ paymentId: payment.id, events: announced }) });
  return { payments: new PaymentService(repository, clock), sessions: new CallSessionRepository(store, 600), events };
}

function sessionOf(paymentId: string, turn: number): CallSession {
  return {
    callSid: 'CA0000000000000000000000000000abcd',
    flowId: 'default',
    flowVersion: 1,
    paymentId,
    turn,
    state: {
      value: 'collectingExpiry',
      context: {
        locale: 'en-US',
        payment: null,
        attempts: 0,
        card: null,
        captured: { cardNumber: true, expiry: false, securityCode: false, postalCode: false },
        chargeAttempts: 0,
        lastDecline: null,
        reference: null,
        processorReference: null,
        authorized: false,
        failure: null,
        notices: [],
        securityCodeLength: 3,
        referenceRepeats: 0,
        waitingSince: null,
        callEnded: false,
      },
    },
    vaultRefs: {},
    lastReply: null,
    startedAt: '2026-01-01T00:00:00.000Z',
  };
}

describe.each(STORE_KINDS)('a payment projection that goes with the session commit (%s)', (kind) => {
  let store: KeyValueStore;
  beforeEach(async () => {
    store = await openStore(kind);
  });
  afterEach(async () => {
    await store.close();
  });

  const newPayment = (payments: PaymentService) =>
    payments.create({ amount: '12.34', amountMinor: 1234, currency: 'USD', description: null, channel: 'phone', callSid: null, locale: 'en-US', flowId: 'default', ttlSeconds: 600 });

  it('is written by the commit’s own store call, without a read, from this process’s last write of the payment', async () => {
    const { store: counted, calls } = counting(store);
    const gateway = processOn(counted);
    const payment = await newPayment(gateway.payments);
    const before = { ...calls };
    const projection = gateway.payments.prepareProjection(payment.id, 1, () => ({ status: 'capturing', expiryCaptured: true }));
    const committed = await gateway.sessions.saveWith(sessionOf(payment.id, 2), 0, undefined, projection.write);
    await projection.finish(committed.companion);
    expect(committed.version).toBe(1);
    expect({ get: calls.get - before.get, compareAndSet: calls.compareAndSet - before.compareAndSet, compareAndSetPair: calls.compareAndSetPair - before.compareAndSetPair }).toEqual({
      get: 0,
      compareAndSet: 0,
      compareAndSetPair: 1,
    });
    expect(await processOn(store).payments.get(payment.id)).toMatchObject({ status: 'capturing', expiryCaptured: true, projectedVersion: 1, eventSequence: 1 });
    expect(gateway.events).toEqual([{ paymentId: payment.id, events: [{ type: 'payment.capturing', sequence: 1, refundId: null }] }]);
  });

  it('is applied to the payment as stored when another process changed it since, and its events are announced once', async () => {
    const mine = processOn(store);
    const other = processOn(store);
    const payment = await newPayment(mine.payments);
    // Another process projects the call's previous turn: this process's copy is now stale.
    await other.payments.project(payment.id, 1, () => ({ status: 'capturing' }));
    const projection = mine.payments.prepareProjection(payment.id, 2, () => ({ status: 'capturing', expiryCaptured: true }));
    const committed = await mine.sessions.saveWith(sessionOf(payment.id, 3), 0, undefined, projection.write);
    expect(committed).toMatchObject({ version: 1, companion: { version: null } });
    await projection.finish(committed.companion);
    expect(await other.payments.get(payment.id)).toMatchObject({ status: 'capturing', expiryCaptured: true, projectedVersion: 2, eventSequence: 1 });
    // The move to capturing was the other process's, announced by it alone: the stale copy announced nothing.
    expect(other.events.map((e) => e.events.map((x) => x.type))).toEqual([['payment.capturing']]);
    expect(mine.events).toEqual([]);
  });

  it('reads the payment with the commit when this process has no copy of it, and projects from that read', async () => {
    const payment = await newPayment(processOn(store).payments);
    const { store: counted, calls } = counting(store);
    const fresh = processOn(counted);
    const projection = fresh.payments.prepareProjection(payment.id, 1, () => ({ status: 'capturing', expiryCaptured: true }));
    const committed = await fresh.sessions.saveWith(sessionOf(payment.id, 2), 0, undefined, projection.write);
    await projection.finish(committed.companion);
    expect(calls).toEqual({ get: 0, compareAndSet: 1, compareAndSetPair: 1 });
    expect(await fresh.payments.get(payment.id)).toMatchObject({ status: 'capturing', expiryCaptured: true, projectedVersion: 1 });
  });

  it('leaves the payment alone when the session commit loses its race', async () => {
    const gateway = processOn(store);
    const payment = await newPayment(gateway.payments);
    await gateway.sessions.save(sessionOf(payment.id, 2), 0);
    const projection = gateway.payments.prepareProjection(payment.id, 1, () => ({ status: 'capturing', expiryCaptured: true }));
    const committed = await gateway.sessions.saveWith(sessionOf(payment.id, 2), 0, undefined, projection.write);
    expect(committed).toEqual({ version: null, companion: { version: null, found: null } });
    expect(await processOn(store).payments.get(payment.id)).toMatchObject({ status: 'pending', expiryCaptured: false, projectedVersion: 0 });
    expect(gateway.events).toEqual([]);
  });
});
