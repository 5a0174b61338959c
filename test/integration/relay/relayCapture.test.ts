import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseFlow } from '../../../src/core/flows/loadFlows';
import type { PaymentEvent, TypingEvent } from '../../../src/ports/eventBus';
import { HOLD_MS } from '../../../src/relay/heldKeys';
import { RelayCapture } from '../../../src/relay/relayCapture';
import { MemoryStore } from '../../../src/adapters/store/memoryStore';
import { ManualTimers } from '../../support/manualTimers';
import { STORE_KINDS, type StoreKind } from '../../support/harness';
import { startBridgeRig, type BridgeRig } from '../../support/bridgeCalls';
import { eventually } from '../../support/eventually';
import { leaksIn } from '../../support/leakScan';

jest.setTimeout(30_000);

const RELAY_FLOW = parseFlow(readFileSync(join(__dirname, '../../../flows/agent-relay.json'), 'utf8'), 'flows/agent-relay.json');
const VISA = '4242424242424242';
const AMEX = '378282246310005';
const LUHN_FAIL = '4242424242424241';
const EXPIRY = '1230';
/** Everything typed in these calls: none of it may appear in a log line, an event or the store. */
const SECRETS: Array<string | RegExp> = [VISA, AMEX, LUHN_FAIL, '424242424242', /(^|[^0-9])1230([^0-9]|$)/, /(^|[^0-9])447([^0-9]|$)/, /(^|[^0-9])7391([^0-9]|$)/];

/** One relayed call with an agent-guided capture, driven through the services as the relay will. */
async function relayedCall(rig: BridgeRig) {
  const callSid = rig.tg.call().callSid;
  const { bridge } = await rig.tg.gateway.bridges.open(callSid, '+15005550001', '+15005550006', 'relay');
  await rig.tg.gateway.bridges.dialAgent(bridge.id);
  const started = await rig.tg.gateway.bridges.startSecureCapture(bridge.id, { amount: '47.50', currency: 'USD' });
  expect(started).toMatchObject({ ok: true });
  const paymentId = (started as { paymentId: string }).paymentId;
  const timers = new ManualTimers();
  const relay = new RelayCapture({ callSid, capture: rig.tg.gateway.capture, flow: RELAY_FLOW, timers, logger: rig.tg.gateway.logger });
  const payments = () => rig.events.filter((e): e is PaymentEvent => e.type === 'payment' && e.paymentId === paymentId);
  const last = () => payments().at(-1);
  return {
    callSid,
    bridgeId: bridge.id,
    paymentId,
    timers,
    relay,
    last,
    /** The agent presses a panel button; the relay then follows the capture, as it does on a bus event. */
    async agent(action: string) {
      const answer = await rig.tg.gateway.bridges.agentAction(bridge.id, action as never);
      await relay.sync();
      return answer;
    },
    /** Keys from the caller's stream, one at a time, each counted once. */
    type(keys: string) {
      for (const key of keys) relay.key(key);
    },
    /** Waits for a payment event that says `line`. */
    async shows(line: string) {
      await eventually(async () => last()?.lines.includes(line) ?? false, 5000, `the panel to show "${line}"`);
    },
  };
}

describe.each(STORE_KINDS)('an agent-guided relay capture on the %s store', (kind: StoreKind) => {
  let rig: BridgeRig;
  beforeAll(async () => {
    rig = await startBridgeRig(kind, { RECORD_BRIDGE: 'false' });
  });
  afterAll(async () => {
    await rig.close();
  });

  it('takes a card with the agent on the line: masked progress, a mistake in words, any order, and Charge', async () => {
    const call = await relayedCall(rig);
    await eventually(async () => call.last()?.guided === true, 5000, 'the first payment event');
    expect(call.last()!.guideMay).toEqual({ askCardNumber: true, askExpiry: false, askSecurityCode: false, charge: false });
    // Keys before the agent asks for anything are dropped unseen.
    call.type('9999#');
    expect(call.relay.asking).toBeNull();

    await expect(call.agent('askExpiry')).resolves.toMatchObject({ ok: false, code: 'not_now' });
    await expect(call.agent('askCardNumber')).resolves.toMatchObject({ ok: true });
    expect(call.relay.asking).toBe('cardNumber');
    call.type(`${LUHN_FAIL}#`);
    await call.shows('That card number is not valid');
    // The field stays asked after a mistake: the caller types again.
    await eventually(async () => call.relay.asking === 'cardNumber', 5000, 'the card number asked again');
    call.type(`${VISA}#`);
    await call.shows('Visa •••• 4242 — valid');
    const typing = rig.events.filter((e): e is TypingEvent => e.type === 'typing' && e.paymentId === call.paymentId);
    await eventually(async () => rig.events.some((e) => e.type === 'typing' && e.paymentId === call.paymentId && e.keys === 16), 5000, 'typing progress');
    expect(typing.every((e) => e.field === 'cardNumber')).toBe(true);
    expect(call.last()!.guideMay).toEqual({ askCardNumber: true, askExpiry: true, askSecurityCode: true, charge: false });

    // The security code before the expiry, finished by a pause rather than #.
    await call.agent('askSecurityCode');
    call.type('123');
    call.timers.advance(RELAY_FLOW.timeoutSeconds.securityCode * 1000);
    await call.shows('Security code ✓');
    await call.agent('askExpiry');
    call.type(`${EXPIRY}#`);
    await call.shows('Expiry ✓');
    expect(call.last()!.guideMay.charge).toBe(true);
    expect(call.last()!.lines.some((l) => l.startsWith('Ready: read 47.50 USD'))).toBe(true);

    await expect(call.agent('charge')).resolves.toMatchObject({ ok: true });
    await eventually(async () => call.last()?.status === 'succeeded', 5000, 'the approval');
    expect(call.last()!.summary).toMatch(/^Approved — reference /);
    expect(await rig.tg.getPayment(call.paymentId)).toMatchObject({ status: 'succeeded', card: { brand: 'visa', last4: '4242' }, expiryCaptured: true, securityCodeCaptured: true });
    await eventually(async () => (await rig.tg.gateway.bridges.get(call.bridgeId))?.state === 'connected', 5000, 'the bridge back to talking');
    // A relayed caller was never moved, held or paused.
    expect(rig.control.operations.map((op) => op.op)).not.toContain('redirect');
    expect(rig.control.operations.map((op) => op.op)).not.toContain('hold');
  });

  it('lets the agent ask for the expiry again once every field is valid, and counts a double key twice', async () => {
    const call = await relayedCall(rig);
    await call.agent('askCardNumber');
    call.type(`${AMEX}#`);
    await call.shows('American Express •••• 0005 — valid');
    await call.agent('askSecurityCode');
    // An American Express code has 4 digits: "447" is refused, and said so.
    call.type('447#');
    await call.shows('The security code for this card has 4 digits');
    const codeKeys = rig.events.filter((e): e is TypingEvent => e.type === 'typing' && e.paymentId === call.paymentId && e.field === 'securityCode');
    expect(codeKeys.map((e) => e.keys)).toEqual([1, 2, 3]);
    await eventually(async () => call.relay.asking === 'securityCode', 5000, 'the code asked again');
    call.type('7391#');
    await call.shows('Security code ✓');
    await call.agent('askExpiry');
    call.type(`${EXPIRY}#`);
    await call.shows('Expiry ✓');
    expect(call.last()!.guideMay.charge).toBe(true);

    await call.agent('askExpiry');
    expect(call.last()!.guideMay.charge).toBe(false);
    expect(call.last()!.expiryCaptured).toBe(false);
    call.type('0130');
    await eventually(async () => rig.events.some((e) => e.type === 'typing' && e.paymentId === call.paymentId && e.field === 'expiry' && e.keys === 4), 5000, 'four keys of the expiry');
    call.type('#');
    await call.shows('Expiry ✓');
    expect(call.last()!.guideMay.charge).toBe(true);
    await expect(call.agent('cancel')).resolves.toMatchObject({ ok: true });
    expect(await rig.tg.getPayment(call.paymentId)).toMatchObject({ status: 'canceled' });
  });

  it('ends the capture safely when the caller’s line drops: fields wiped, and the panel says so', async () => {
    const call = await relayedCall(rig);
    await call.agent('askCardNumber');
    call.type(`${VISA}#`);
    await call.shows('Visa •••• 4242 — valid');
    await call.agent('askExpiry');
    call.type('12');
    // The control: the card number sits in the vault, encrypted, until the line drops.
    expect(await vaultEntries(rig, call.paymentId)).toHaveLength(1);
    await call.relay.streamEnded();
    expect(call.relay.asking).toBeNull();
    await eventually(async () => call.last()?.status === 'failed', 5000, 'the failed capture');
    expect(call.last()!.summary).toBe("Failed — the caller's line dropped");
    expect(await rig.tg.getPayment(call.paymentId)).toMatchObject({ status: 'failed', failure: { code: 'caller_line_dropped' } });
    expect(await vaultEntries(rig, call.paymentId)).toEqual([]);
    // Keys after the drop go nowhere.
    call.type('30#');
    expect(call.relay.asking).toBeNull();
  });

  it('keeps the keys typed between the agent’s request being stored and the relay reading it (issue 11)', async () => {
    const call = await relayedCall(rig);
    // The relay has seen the capture start, with no field asked yet.
    await call.relay.sync();
    expect(call.relay.asking).toBeNull();
    // The panel's request is committed in the store; the caller types at once, before the relay reads it.
    await expect(rig.tg.gateway.bridges.agentAction(call.bridgeId, 'askCardNumber')).resolves.toMatchObject({ ok: true });
    call.type(VISA.slice(0, 3));
    expect(call.relay.asking).toBeNull();
    await call.relay.sync();
    expect(call.relay.asking).toBe('cardNumber');
    call.type(`${VISA.slice(3)}#`);
    await call.shows('Visa •••• 4242 — valid');
    // The expiry finished by a pause, its first key typed before the relay saw the request: all four keys count.
    await rig.tg.gateway.bridges.agentAction(call.bridgeId, 'askExpiry');
    call.type(EXPIRY.slice(0, 1));
    await call.relay.sync();
    call.type(EXPIRY.slice(1));
    await eventually(async () => rig.events.some((e) => e.type === 'typing' && e.paymentId === call.paymentId && e.field === 'expiry' && e.keys === 4), 5000, 'four keys of the expiry');
    call.timers.advance(RELAY_FLOW.timeoutSeconds.expiry * 1000);
    await call.shows('Expiry ✓');
    await expect(call.agent('cancel')).resolves.toMatchObject({ ok: true });
  });

  it('holds keys typed while no field is open for a few seconds only, and never when no capture runs', async () => {
    const call = await relayedCall(rig);
    // Before the relay knows of a capture under way, keys are dropped, not held for the first field.
    call.type('55');
    await call.relay.sync();
    await call.agent('askCardNumber');
    call.type(`${VISA}#`);
    await call.shows('Visa •••• 4242 — valid');
    const cardKeys = rig.events.filter((e): e is TypingEvent => e.type === 'typing' && e.paymentId === call.paymentId && e.field === 'cardNumber');
    expect(cardKeys.map((e) => e.keys)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    // A key held longer than a few seconds is gone, and a lone # (a second press) finishes nothing:
    // handed over, either would end the expiry at once.
    call.type('9');
    call.timers.advance(HOLD_MS);
    call.type('#');
    await call.agent('askExpiry');
    expect(call.relay.asking).toBe('expiry');
    call.type(`${EXPIRY}#`);
    await call.shows('Expiry ✓');
    const expiryKeys = rig.events.filter((e): e is TypingEvent => e.type === 'typing' && e.paymentId === call.paymentId && e.field === 'expiry');
    expect(expiryKeys.map((e) => e.keys)).toEqual([1, 2, 3, 4]);
    // Once the capture has ended, nothing is held.
    await expect(call.agent('cancel')).resolves.toMatchObject({ ok: true });
    call.type('4');
    expect(call.relay.asking).toBeNull();
  });

  it('refuses a guided capture on a conference call, and keypad captures on a relayed one', async () => {
    const callSid = rig.tg.call().callSid;
    const { bridge } = await rig.tg.gateway.bridges.open(callSid, '+15005550001', '+15005550006');
    await rig.tg.gateway.bridges.dialAgent(bridge.id);
    await expect(rig.tg.gateway.bridges.startSecureCapture(bridge.id, { amount: '1.00', currency: 'USD', flow: 'agent-relay' })).resolves.toMatchObject({ ok: false, code: 'invalid_flow' });
    const relayed = await rig.tg.gateway.bridges.open(rig.tg.call().callSid, '+15005550001', '', 'relay');
    await rig.tg.gateway.bridges.dialAgent(relayed.bridge.id);
    await expect(rig.tg.gateway.bridges.startSecureCapture(relayed.bridge.id, { amount: '1.00', currency: 'USD', flow: 'default' })).resolves.toMatchObject({ ok: false, code: 'invalid_flow' });
  });

  describe('after every call', () => {
    it('kept nothing typed in a log line, an event or the store, and nothing in the vault', async () => {
      expect(rig.events.filter((e) => e.type === 'typing').length).toBeGreaterThan(20);
      const haystacks = [JSON.stringify(rig.events), rig.tg.logLines.join('\n'), JSON.stringify(rig.control.operations), ...(await storedValues(rig, kind))];
      expect(haystacks.join('').length).toBeGreaterThan(1000);
      const found = haystacks.flatMap((text) => leaksIn(text, SECRETS));
      expect(found).toEqual([]);
      expect(await vaultEntries(rig)).toEqual([]);
    });
  });
});

async function storedValues(rig: BridgeRig, kind: StoreKind): Promise<string[]> {
  if (kind === 'redis') return rig.tg.rawRedisValues();
  return [...(rig.tg.gateway.store as MemoryStore).snapshot()].flat();
}

async function vaultEntries(rig: BridgeRig, paymentId?: string): Promise<string[]> {
  const needle = paymentId ? `vault:${paymentId}:` : 'vault:';
  const keys = rig.tg.gateway.store instanceof MemoryStore ? [...rig.tg.gateway.store.snapshot().keys()] : (await rig.tg.rawRedisValues()).filter((v) => v.startsWith(rig.tg.prefix)).map((k) => k.slice(rig.tg.prefix.length));
  return keys.filter((key) => key.includes(needle));
}
