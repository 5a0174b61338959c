/**
 * A card taken on a relayed call with the agent on the line: the agent starts the capture and asks for
 * each field on the panel, the caller types them as keypad tones on the stream, the panel shows masked
 * progress, and Charge pays with the typed card. Keys reported by both the detector and a Twilio event
 * count once, a real double key twice. A dropped caller socket ends the capture and the panel says so.
 */
import type { PaymentEvent } from '../../../src/ports/eventBus';
import { composeCall, type CallPart } from '../../support/audio/callerAudio';
import { addAgent, openPanelStream, signInAgent, type PanelClient, type PanelStream } from '../../support/bridgeCalls';
import { DEADLINE_MS, ringBridge, startRelayRig, type RelayRig } from '../../support/relayCalls';
import type { MediaStreamLeg, TimedDtmf } from '../../support/twilioServer';
import { eventually } from '../../support/eventually';
import { leaksIn } from '../../support/leakScan';

jest.setTimeout(120_000);

const VISA = '4242424242424242';
const EXPIRY = '1230';
/** Holds a real double key: counted once, it would be too short. */
const CODE = '447';
const SECRETS: Array<string | RegExp> = [VISA, '424242424242', /(^|[^0-9])1230([^0-9]|$)/, /(^|[^0-9])447([^0-9]|$)/];

let rig: RelayRig;
let panel: PanelClient;
let stream: PanelStream;

beforeAll(async () => {
  rig = await startRelayRig('redis');
  panel = await signInAgent(rig.panelRig, await addAgent(rig.panelRig, 'ana'));
  stream = await openPanelStream(rig.panelRig, panel.cookie);
});

afterAll(async () => {
  stream?.close();
  await rig?.close();
});

/** Keys as tones, 80 ms each with 120 ms between; Twilio events with each (at `eventAtMs` into the tone) or none. */
async function typeTones(leg: MediaStreamLeg, keys: string, eventAtMs: number | null): Promise<void> {
  const parts: CallPart[] = [{ pauseMs: 300 }];
  for (const key of keys) parts.push({ tone: { key, durationMs: 80, levelDb: -12, ...(eventAtMs === null ? {} : { eventAtMs }) } }, { pauseMs: 120 });
  const call = composeCall(parts, { noiseDb: -60 });
  const dtmf: TimedDtmf[] = call.events.map((event) => ({ atMs: event.beforeFrame * 20, digit: event.key }));
  await leg.play(Buffer.concat(call.frames), { dtmf });
}

function paymentEvents(paymentId: string): PaymentEvent[] {
  return rig.events.filter((e): e is PaymentEvent => e.type === 'payment' && e.paymentId === paymentId);
}

async function shows(paymentId: string, line: string): Promise<void> {
  await eventually(async () => paymentEvents(paymentId).at(-1)?.lines.includes(line) ?? false, DEADLINE_MS, `the panel to show "${line}"`);
}

/** The agent asks for a field; resolves once the capture asks it (the relay follows the same event). */
async function ask(bridgeId: string, paymentId: string, action: string, field: string): Promise<void> {
  expect(await panel.post(`/bridges/${bridgeId}/actions/${action}`)).toMatchObject({ status: 200 });
  await eventually(async () => paymentEvents(paymentId).at(-1)?.asking === field, DEADLINE_MS, `the capture to ask for ${field}`);
}

it('takes the card by tones while the agent stays on the line, and charges it', async () => {
  const call = await ringBridge(rig);
  const started = await panel.post(`/bridges/${call.bridgeId}/capture`, { amount: '47.50', currency: 'USD' });
  expect(started).toMatchObject({ status: 200, body: { ok: true } });
  const paymentId = started.body.paymentId as string;

  await ask(call.bridgeId, paymentId, 'askCardNumber', 'cardNumber');
  // Detector and Twilio event both report every key: each counts once, or the number would not be valid.
  await typeTones(call.callerLeg, `${VISA}#`, 30);
  await shows(paymentId, 'Visa •••• 4242 — valid');
  expect(stream.events.some((e) => e.name === 'typing' && e.data.keys === 16) || rig.events.some((e) => e.type === 'typing' && e.keys === 16)).toBe(true);

  await ask(call.bridgeId, paymentId, 'askExpiry', 'expiry');
  // The detector alone.
  await typeTones(call.callerLeg, `${EXPIRY}#`, null);
  await shows(paymentId, 'Expiry ✓');

  await ask(call.bridgeId, paymentId, 'askSecurityCode', 'securityCode');
  // Events ahead of their tones; "44" is two presses.
  await typeTones(call.callerLeg, `${CODE}#`, -30);
  await shows(paymentId, 'Security code ✓');

  expect(await panel.post(`/bridges/${call.bridgeId}/actions/charge`)).toMatchObject({ status: 200 });
  await eventually(async () => (await rig.tg.getPayment(paymentId)).status === 'succeeded', DEADLINE_MS, 'the payment to succeed');
  expect(await rig.tg.getPayment(paymentId)).toMatchObject({ card: { brand: 'visa', last4: '4242' }, expiryCaptured: true, securityCodeCaptured: true });
  await eventually(async () => /^Approved — reference /.test(paymentEvents(paymentId).at(-1)?.summary ?? ''), DEADLINE_MS, 'the reference on the panel');

  await call.caller.hangUp();
  const seen = [...rig.tg.logLines, ...stream.raw, JSON.stringify(rig.events), ...rig.tg.responses, ...(await rig.tg.rawRedisValues())].join('\n');
  expect(leaksIn(seen, SECRETS)).toEqual([]);
});

it('ends the capture when the caller’s socket drops, and the panel says what happened', async () => {
  const call = await ringBridge(rig);
  const started = await panel.post(`/bridges/${call.bridgeId}/capture`, { amount: '12.00', currency: 'USD' });
  const paymentId = started.body.paymentId as string;
  await ask(call.bridgeId, paymentId, 'askCardNumber', 'cardNumber');
  await typeTones(call.callerLeg, `${VISA}#`, 30);
  await shows(paymentId, 'Visa •••• 4242 — valid');
  await ask(call.bridgeId, paymentId, 'askExpiry', 'expiry');
  await typeTones(call.callerLeg, '12', 30);

  call.callerLeg.drop();
  await eventually(async () => (await rig.tg.getPayment(paymentId)).status === 'failed', DEADLINE_MS, 'the capture to end');
  expect((await rig.tg.getPayment(paymentId)).failure).toMatchObject({ code: 'caller_line_dropped' });
  await eventually(
    async () => rig.events.some((e) => e.type === 'bridge' && e.bridgeId === call.bridgeId && /caller’s audio stream dropped/.test(e.error ?? '')),
    DEADLINE_MS,
    'the panel to say the caller’s stream dropped',
  );
  // The agent's leg is closed with it.
  await call.agentLeg.closed;
});
