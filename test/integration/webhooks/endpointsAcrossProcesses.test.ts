import { MemoryStore } from '../../../src/adapters/store/memoryStore';
import type { KeyValueStore } from '../../../src/ports/keyValueStore';
import { STORE_KINDS, startTestGateway, type TestGateway } from '../../support/harness';
import { startGatewayPair, type GatewayPair } from '../../support/gatewayPair';
import { eventually } from '../../support/eventually';
import { enterCard, enterPayCode } from '../../support/voiceCalls';
import { startWebhookReceiver, type WebhookReceiver } from '../../support/webhookReceiver';

const CARD = '4242424242424242';
/** Deliveries cross a queue (BullMQ polls Redis); the machine is shared and busy. */
const DEADLINE_MS = 20_000;

/** Pays a payment by phone on `tg`, from the pay code to the approval. */
async function payOn(tg: TestGateway, payCode: string): Promise<void> {
  const call = tg.call();
  await enterPayCode(call, payCode);
  await enterCard(call, CARD, 'visa');
  await call.press('1');
  if (!call.saysText().includes('reference number')) throw new Error(`not approved: ${call.twiml}`);
}

/**
 * The endpoints a committed payment change is announced to are read from the store with that change
 * (in the same round trip, not remembered from earlier): an endpoint another process added is sent
 * every event committed after it was added.
 */
describe.each(STORE_KINDS)('endpoints added on another process (%s store)', (kind) => {
  let pair: GatewayPair | undefined;
  let a: TestGateway;
  let b: TestGateway;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    pair = await startGatewayPair(kind, { env: { WEBHOOK_RETRY_DELAYS: '100ms', WEBHOOK_TIMEOUT_MS: '1000' } });
    ({ a, b } = pair);
    receiver = await startWebhookReceiver();
  }, 60_000);
  afterAll(async () => {
    await pair?.close();
    await receiver?.close();
  });

  it('receive the events of a payment another process commits, from the first one after they were added', async () => {
    // B announces a payment's events while there is no endpoint at all.
    const before = await a.createPayment();
    await payOn(b, before.payCode);
    // A adds the endpoint; the next payment B captures is announced to it, every event.
    const created = await a.api('POST', '/api/webhooks', { url: receiver.url, description: 'CRM' });
    expect(created.status).toBe(201);
    receiver.secret = created.body.secret;
    const after = await a.createPayment();
    await payOn(b, after.payCode);
    const eventsOf = (id: string) => receiver.events().filter((e) => e.data.payment.id === id);
    await eventually(async () => eventsOf(after.id).length >= 3, DEADLINE_MS, 'three events of the payment');
    expect(eventsOf(after.id).sort((x, y) => x.data.sequence - y.data.sequence).map((e) => e.type)).toEqual(['payment.capturing', 'payment.processing', 'payment.succeeded']);
    expect(eventsOf(before.id)).toEqual([]);
    expect(receiver.received.every((r) => r.verified)).toBe(true);
  });
});

/** The order in which a store is asked: each call and each answer, by key kind. */
function ordering(store: KeyValueStore): { store: KeyValueStore; log: string[] } {
  const log: string[] = [];
  const kind = (key: string) => (key.includes('webhooks:endpoints') ? 'endpoints' : key.split(':')[0]);
  const counted = Object.create(store) as KeyValueStore;
  counted.get = (key) => {
    log.push(`get ${kind(key)}`);
    return store.get(key);
  };
  counted.compareAndSet = async (key, ...rest) => {
    log.push(`write ${kind(key)}`);
    const answer = await store.compareAndSet(key, ...rest);
    log.push(`written ${kind(key)}`);
    return answer;
  };
  counted.compareAndSetPair = async (first, second) => {
    log.push(`write ${kind(first.key)}+${kind(second.key)}`);
    const answer = await store.compareAndSetPair(first, second);
    log.push(`written ${kind(first.key)}+${kind(second.key)}`);
    return answer;
  };
  return { store: counted, log };
}

describe('the endpoints read of a payment change', () => {
  let tg: TestGateway;
  let log: string[];
  beforeAll(async () => {
    const counted = ordering(new MemoryStore());
    log = counted.log;
    tg = await startTestGateway('memory', { store: counted.store });
  });
  afterAll(async () => {
    await tg.close();
  });

  it('is asked for right after the write that announces the change, before its answer: one round trip on Redis', async () => {
    const payment = await tg.createPayment();
    const call = tg.call();
    log.length = 0;
    await enterPayCode(call, payment.payCode);
    // The claim (payment.capturing) is a payment write of its own.
    const claim = log.indexOf('write payment');
    expect(log.slice(claim, claim + 3)).toEqual(['write payment', 'get endpoints', 'written payment']);
    await enterCard(call, CARD, 'visa');
    log.length = 0;
    await call.press('1');
    // payment.processing, with the session's commit, then payment.succeeded with the next one.
    const pairs = log.flatMap((entry, i) => (entry === 'write call+payment' ? [log.slice(i, i + 3)] : []));
    expect(pairs).toEqual([
      ['write call+payment', 'get endpoints', 'written call+payment'],
      ['write call+payment', 'get endpoints', 'written call+payment'],
    ]);
    // No other read of the endpoints.
    expect(log.filter((entry) => entry === 'get endpoints')).toHaveLength(2);
  });
});
