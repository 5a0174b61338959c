/**
 * The relay end to end with the Twilio-shaped server: a caller rings the bridge number and streams, the
 * gateway places the agent's call and it streams too; speech passes both ways, and the caller's keypad
 * tones never reach the agent (judged by multimon-ng on what the agent's leg received), with and
 * without Twilio's `dtmf` events.
 */
import { muLawToPcm } from '../../../src/relay/audio/muLaw';
import { judgeKeys, requireAudioTools, speech } from '../../support/audio/audioTools';
import { composeCall, type CallPart } from '../../support/audio/callerAudio';
import { speechCorrelation } from '../../support/audio/speechCorrelation';
import { DEADLINE_MS, ringBridge, startRelayRig, type RelayRig } from '../../support/relayCalls';
import type { TimedDtmf } from '../../support/twilioServer';

jest.setTimeout(120_000);

/** The relay's look-ahead: what it holds back of the caller's audio while it looks for tones. */
const MAX_DELAY_FRAMES = 4;

let rig: RelayRig;
let greeting: Int16Array;
let request: Int16Array;
let answer: Int16Array;

beforeAll(async () => {
  await requireAudioTools();
  greeting = await speech('Hello, I would like to pay my bill.', 'en-us');
  request = await speech('Here is my card number.', 'en-gb');
  answer = await speech('Thank you. Please type your card number now, then press the hash key.', 'en-us+f3');
  rig = await startRelayRig('memory');
});

afterAll(async () => {
  await rig?.close();
});

const typing = (): CallPart[] => [
  { speech: greeting },
  { pauseMs: 200 },
  { tone: { key: '4', durationMs: 60, levelDb: -10, eventAtMs: -20 } },
  { pauseMs: 80 },
  { tone: { key: '4', durationMs: 100, levelDb: -20, twistDb: 3, eventAtMs: 40 } },
  { pauseMs: 100 },
  { tone: { key: '7', durationMs: 150, levelDb: -8, eventAtMs: 170 } },
  { pauseMs: 120 },
  { tone: { key: '#', durationMs: 80, levelDb: -25, eventAtMs: 30 } },
  { pauseMs: 300 },
  { speech: request, tones: [{ key: '1', atMs: 500, durationMs: 90, levelDb: -8 }] },
];

/** Frames as `play` takes them, and the call's Twilio events at their media times. */
function streamOf(parts: CallPart[]) {
  const call = composeCall(parts, { noiseDb: -60 });
  const dtmf: TimedDtmf[] = call.events.map((event) => ({ atMs: event.beforeFrame * 20, digit: event.key }));
  return { call, audio: Buffer.concat(call.frames), dtmf };
}

describe.each([
  ['with', true],
  ['without', false],
])('a relayed call %s Twilio dtmf events', (_label, withEvents) => {
  it('passes speech both ways and never lets a caller tone reach the agent', async () => {
    const { callerLeg, agentLeg, caller } = await ringBridge(rig);
    const { call, audio, dtmf } = streamOf(typing());
    const agentSpeech = composeCall([{ speech: answer }], { noiseDb: -60 });
    const agentAudio = Buffer.concat(agentSpeech.frames);
    expect(await judgeKeys(call.pcm)).toBe(call.typed);

    await Promise.all([callerLeg.play(audio, withEvents ? { dtmf } : {}), agentLeg.play(agentAudio)]);
    const sentFrames = call.frames.length;
    // Everything but the look-ahead has reached the agent; the caller hears every agent frame.
    await agentLeg.waitFor((leg) => leg.receivedAudio().length >= (sentFrames - MAX_DELAY_FRAMES) * 160, DEADLINE_MS, 'the caller’s audio at the agent');
    await callerLeg.waitFor((leg) => leg.receivedAudio().length >= agentAudio.length, DEADLINE_MS, 'the agent’s audio at the caller');
    const heldBack = sentFrames - agentLeg.receivedAudio().length / 160;
    expect(heldBack * 20).toBeLessThanOrEqual(80);

    // What the agent heard, on the caller's clock: the relay's delay in front of it.
    const heard = muLawToPcm(Buffer.concat([Buffer.alloc(heldBack * 160, 0xff), agentLeg.receivedAudio()]));
    expect(await judgeKeys(heard)).toBe('');
    const match = speechCorrelation(call.pcm, heard, call.tones);
    expect(match.correlation).toBeGreaterThanOrEqual(0.9);
    expect(match.lagSamples).toBe(heldBack * 160);
    // Agent to caller is passed unchanged, frame for frame.
    expect(callerLeg.receivedAudio().subarray(0, agentAudio.length).equals(agentAudio)).toBe(true);
    // Each leg is addressed by its own streamSid.
    expect(agentLeg.received.filter((m) => m.event === 'media').every((m) => m.streamSid === agentLeg.streamSid)).toBe(true);
    expect(callerLeg.received.filter((m) => m.event === 'media').every((m) => m.streamSid === callerLeg.streamSid)).toBe(true);

    await caller.hangUp();
    await agentLeg.closed;
  });
});
