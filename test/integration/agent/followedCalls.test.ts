import { MemoryStore } from '../../../src/adapters/store/memoryStore';
import type { KeyValueStore } from '../../../src/ports/keyValueStore';
import { cardKeys, startTestGateway, STORE_KINDS, type StoreKind, type TestGateway } from '../../support/harness';
import { lastRedirect, openBridge, startBridgeRig, type BridgeRig } from '../../support/bridgeCalls';
import { eventually } from '../../support/eventually';
import { enterCard, enterPayCode, sessionOf } from '../../support/voiceCalls';

jest.setTimeout(30_000);

const VISA = '4242424242424242';

/** A memory store that counts reads of the keys that find a call's bridge. */
function countingBridgeLookUps(store: KeyValueStore): { store: KeyValueStore; lookUps: () => number } {
  let lookUps = 0;
  const counted = Object.create(store) as KeyValueStore;
  counted.get = (key) => {
    if (key.startsWith('bridge:call:')) lookUps += 1;
    return store.get(key);
  };
  return { store: counted, lookUps: () => lookUps };
}

/** Rewrites the call's stored session as `edit` says, the way a concurrent writer would. */
async function editSession(tg: TestGateway, callSid: string, edit: (session: Record<string, unknown>) => void): Promise<void> {
  const found = await sessionOf(tg, callSid);
  if (!found) throw new Error('no session');
  const session = found.session as unknown as Record<string, unknown>;
  edit(session);
  const written = await tg.gateway.store.compareAndSet(`call:${callSid}`, found.version, JSON.stringify(session), 600);
  if (written === null) throw new Error('the session changed under the test');
}

describe('a call without a bridge', () => {
  let memory: MemoryStore;
  let tg: TestGateway;
  afterEach(async () => {
    await tg.close();
    await memory.close();
  });

  it('looks for a bridge once, as its capture starts, not on every turn', async () => {
    memory = new MemoryStore();
    const { store, lookUps } = countingBridgeLookUps(memory);
    tg = await startTestGateway('memory', { store });
    const payment = await tg.createPayment();
    const call = tg.call();
    await enterPayCode(call, payment.payCode);
    await enterCard(call, VISA, 'visa');
    await call.press('1');
    expect(call.saysText()).toContain('reference');
    expect((await sessionOf(tg, call.callSid))?.session.followed).toBe(false);
    expect(lookUps()).toBe(1);
  });
});

describe.each(STORE_KINDS)('a bridged capture on the %s store', (kind: StoreKind) => {
  let rig: BridgeRig;
  beforeEach(async () => {
    rig = await startBridgeRig(kind);
  });
  afterEach(async () => {
    await rig.close();
  });

  /** Opens a bridge, starts a secure capture and brings the caller to the card number prompt. */
  async function captureUnderWay(): Promise<{ caller: ReturnType<TestGateway['call']>; paymentId: string }> {
    const caller = rig.tg.call();
    const bridgeId = await openBridge(rig, caller);
    const started = await rig.tg.gateway.bridges.startSecureCapture(bridgeId, { amount: '12.34', currency: 'USD' });
    expect(started).toMatchObject({ ok: true });
    await caller.start(lastRedirect(rig.control, caller.callSid));
    expect(caller.saysText()).toContain('card number');
    return { caller, paymentId: (started as { paymentId: string }).paymentId };
  }

  const maskedCardShown = (paymentId: string) => rig.events.some((e) => e.type === 'payment' && e.paymentId === paymentId && e.card?.last4 === '4242');

  it('is followed: the session says so and the agent sees the masked card', async () => {
    const { caller, paymentId } = await captureUnderWay();
    expect((await sessionOf(rig.tg, caller.callSid))?.session.followed).toBe(true);
    await caller.press(cardKeys(VISA, 'visa')[0]!);
    await eventually(async () => maskedCardShown(paymentId), 3000, 'the masked card event');
  });

  it('is still followed when its session was written by a release that did not record it', async () => {
    const { caller, paymentId } = await captureUnderWay();
    await editSession(rig.tg, caller.callSid, (session) => delete session.followed);
    await caller.press(cardKeys(VISA, 'visa')[0]!);
    await eventually(async () => maskedCardShown(paymentId), 3000, 'the masked card event');
  });
});
