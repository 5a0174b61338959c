import { MemoryStore } from '../../../src/adapters/store/memoryStore';
import type { KeyValueStore } from '../../../src/ports/keyValueStore';
import { startTestGateway, type TestGateway } from '../../support/harness';

/** What a read was of: the record kind, by the key's first part (`payment:…`, `call:…`, `webhooks:endpoints`). */
function kindOf(key: string): string {
  return key.includes('webhooks:endpoints') ? 'endpoints' : (/(?:^|:)(payment|call|paycode):/.exec(key)?.[1] ?? 'other');
}

/** The store, with every read counted by record kind. */
function countingReads(store: KeyValueStore): { store: KeyValueStore; reads: Map<string, number> } {
  const reads = new Map<string, number>();
  const counted = Object.create(store) as KeyValueStore;
  counted.get = (key) => {
    reads.set(kindOf(key), (reads.get(kindOf(key)) ?? 0) + 1);
    return store.get(key);
  };
  return { store: counted, reads };
}

/**
 * Every read of a turn is a round trip to Redis, which is most of a webhook's CPU. A turn reads what
 * it cannot know: records this process wrote itself are started from its own copy where a
 * compare-and-set guards the write, or where only what never changes is wanted.
 */
describe('the store reads of a whole call on one process', () => {
  let tg: TestGateway;
  let reads: Map<string, number>;
  beforeAll(async () => {
    const counted = countingReads(new MemoryStore());
    reads = counted.reads;
    tg = await startTestGateway('memory', { store: counted.store });
  });
  afterAll(async () => {
    await tg.close();
  });

  /** The reads `act` made, by record kind. */
  async function readsOf(act: () => Promise<unknown>): Promise<Record<string, number>> {
    reads.clear();
    await act();
    return Object.fromEntries([...reads].filter(([kind]) => kind !== 'other'));
  }

  it('reads the payment once on the pay-code turn, and not at all on the confirmation that charges it', async () => {
    const payment = await tg.createPayment();
    const call = tg.call();
    await call.start();
    // The pay code's look-up, then the claim's own read of the payment: no look-up of the payment
    // before the claim, and none after the commit to free the pay code (the claim's copy says it is taken).
    expect(await readsOf(() => call.press(`${payment.payCode}#`))).toMatchObject({ call: 1, paycode: 1, payment: 1 });
    expect(call.saysText()).toContain('card number');
    // A field's turn reads nothing: it starts from this process's copy of the session, which the
    // commit's compare-and-set would refuse had another process written since.
    expect(await readsOf(() => call.press('4242424242424242#'))).toEqual({});
    expect(await readsOf(() => call.press('1230'))).toEqual({});
    expect(await readsOf(() => call.press('123'))).toEqual({});
    expect(call.saysText()).toMatch(/press 1/);
    // No session read and no payment read: the charge takes the amount from this process's copy of
    // the payment, and its answer is committed from this process's copy of the session.
    const confirmation = await readsOf(() => call.press('1'));
    expect(confirmation.call ?? 0).toBe(0);
    expect(confirmation.payment ?? 0).toBe(0);
    expect(call.saysText()).toContain('reference number');
    expect(await tg.getPayment(payment.id)).toMatchObject({ status: 'succeeded', card: { last4: '4242' } });
    // The pay code was freed all the same.
    const again = tg.call();
    await again.start();
    await again.press(`${payment.payCode}#`);
    expect(again.saysText()).not.toContain('card number');
  });
});
