/**
 * A recording holds what the agent heard: real speech (espeak-ng) on both sides and the caller's
 * keypad tones, the caller's side through the tone masker, recorded to a WAV file and judged by an
 * independent decoder (multimon-ng) per channel and as a player's mono mix. The same call recorded
 * without the masker holds every key, so the judge is trusted to hear them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Logger } from '../../../src/observability/logger';
import { createPassThroughFilter, createToneMasker, type CallerAudioFilter } from '../../../src/relay/audio/toneMasker';
import { FileCallRecorder } from '../../../src/relay/recording/fileRecorder';
import { judgeKeys, requireAudioTools, speech } from '../../support/audio/audioTools';
import { composeCall, type CallerCall, type CallPart } from '../../support/audio/callerAudio';
import { readWav } from '../../support/audio/wavFile';

jest.setTimeout(120_000);

const BRIDGE = 'br_00112233445566778899aabbccddeeff';
let dir: string;
let callerSide: CallPart[];
let agentSide: CallerCall;

beforeAll(async () => {
  await requireAudioTools();
  const request = await speech('I would like to pay my bill, please. It came last week and I have it here.', 'en-gb');
  const thanks = await speech('Thank you, that is all.', 'en-gb');
  const reply = await speech('Of course. Please type your card number now, then press the hash key.', 'en-us+f3');
  callerSide = [
    { speech: request, tones: [{ key: '7', atMs: 900, durationMs: 80, levelDb: -6, eventAtMs: 20 }] },
    { pauseMs: 400 },
    { tone: { key: '4', durationMs: 60, levelDb: -10, eventAtMs: -20 } },
    { pauseMs: 80 },
    { tone: { key: '2', durationMs: 120, levelDb: -20, twistDb: 3 } },
    { pauseMs: 90 },
    { tone: { key: '4', durationMs: 200, levelDb: -14, eventAtMs: 40 } },
    { pauseMs: 70 },
    { tone: { key: '#', durationMs: 70, levelDb: -25, offsetPercent: 1 } },
    { pauseMs: 400 },
    { speech: thanks },
  ];
  agentSide = composeCall([{ pauseMs: 300 }, { speech: reply }], { noiseDb: -60, seed: 3 });
});

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'recordings-tones-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Plays the call as the relay would, frame by frame on both legs, and returns the recording read back. */
async function record(filter: CallerAudioFilter, call: CallerCall) {
  const logger = { error: (message: string) => { throw new Error(message); }, info: () => undefined } as unknown as Logger;
  const recording = new FileCallRecorder({ dir, logger }).start(BRIDGE);
  let nextEvent = 0;
  call.frames.forEach((frame, index) => {
    while (nextEvent < call.events.length && call.events[nextEvent]!.beforeFrame <= index) filter.noteDtmfEvent(call.events[nextEvent++]!.key);
    const heard = filter.push(frame);
    if (heard) recording.caller(heard);
    const agentFrame = agentSide.frames[index];
    if (agentFrame) recording.agent(agentFrame);
  });
  for (const frame of filter.flush()) recording.caller(frame);
  await recording.close();
  const wav = readWav(path.join(dir, `${BRIDGE}.wav`));
  const mix = wav.left.map((left, index) => (left + wav.right[index]!) >> 1);
  return { ...wav, mix };
}

describe('recordings of relayed calls, judged by multimon-ng', () => {
  it('hold no keypad tone on either side or in the mix, while the unmasked call holds every key', async () => {
    const call = composeCall(callerSide, { noiseDb: -60 });
    expect(call.typed).toBe('7424#');

    const unmasked = await record(createPassThroughFilter(), call);
    expect(await judgeKeys(unmasked.left)).toBe(call.typed);

    rmSync(path.join(dir, `${BRIDGE}.wav`));
    const masked = await record(createToneMasker(), call);
    expect(await judgeKeys(masked.left)).toBe('');
    expect(await judgeKeys(masked.right)).toBe('');
    expect(await judgeKeys(masked.mix)).toBe('');
    // The agent's speech is there, on its own side: the recording is not silence.
    const energy = (samples: Int16Array) => samples.reduce((sum, sample) => sum + sample * sample, 0) / samples.length;
    expect(energy(masked.right)).toBeGreaterThan(1000);
    expect(energy(masked.left)).toBeGreaterThan(1000);
  });
});
