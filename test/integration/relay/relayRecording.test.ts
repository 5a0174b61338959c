/**
 * RECORD_BRIDGE on a relayed bridge: Twilio is never asked to record (its recording would hold the
 * tones); the gateway writes the call itself from what the relay passed on, and multimon-ng finds no
 * key in it while the caller's raw audio holds every one.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { judgeKeys, requireAudioTools, speech } from '../../support/audio/audioTools';
import { composeCall } from '../../support/audio/callerAudio';
import { readWav } from '../../support/audio/wavFile';
import { eventually } from '../../support/eventually';
import { DEADLINE_MS, ringBridge, startRelayRig, type RelayRig } from '../../support/relayCalls';

jest.setTimeout(120_000);

let dir: string;
let rig: RelayRig;

beforeAll(async () => {
  await requireAudioTools();
  dir = mkdtempSync(path.join(tmpdir(), 'relay-recordings-'));
  rig = await startRelayRig('memory', { env: { RECORD_BRIDGE: 'true', RECORDINGS_DIR: dir } });
});

afterAll(async () => {
  await rig?.close();
  rmSync(dir, { recursive: true, force: true });
});

it('records both sides after masking, and never asks Twilio to record', async () => {
  const greeting = await speech('Hello, I would like to pay my bill.', 'en-us');
  const answer = await speech('Thank you. Please type your card number now.', 'en-gb');
  const call = composeCall(
    [
      { speech: greeting },
      { pauseMs: 200 },
      { tone: { key: '7', durationMs: 90, levelDb: -10, eventAtMs: 40 } },
      { pauseMs: 120 },
      { tone: { key: '4', durationMs: 120, levelDb: -12 } },
      { pauseMs: 120 },
      { tone: { key: '#', durationMs: 80, levelDb: -15, eventAtMs: 10 } },
      { pauseMs: 300 },
    ],
    { noiseDb: -60 },
  );
  const agentSide = composeCall([{ speech: answer }], { noiseDb: -60 });
  // The judge is trusted: it hears every key in the caller's raw audio and none in the agent's speech.
  expect(await judgeKeys(call.pcm)).toBe(call.typed);
  expect(await judgeKeys(agentSide.pcm)).toBe('');

  const { caller, callerLeg, agentLeg, bridgeId } = await ringBridge(rig);
  const dtmf = call.events.map((event) => ({ atMs: event.beforeFrame * 20, digit: event.key }));
  await Promise.all([callerLeg.play(Buffer.concat(call.frames), { dtmf }), agentLeg.play(Buffer.concat(agentSide.frames))]);
  await caller.hangUp();
  await agentLeg.closed;

  const file = path.join(dir, `${bridgeId}.wav`);
  await eventually(() => existsSync(file), DEADLINE_MS, 'the finished recording');
  const wav = readWav(file);
  expect({ channels: wav.channels, sampleRate: wav.sampleRate }).toEqual({ channels: 2, sampleRate: 8000 });
  // Most of the caller's call is there (all but what the relay still held when the agent's leg closed).
  expect(wav.left.length).toBeGreaterThan(call.pcm.length * 0.8);
  const mix = wav.left.map((left, index) => (left + wav.right[index]!) >> 1);
  expect(await judgeKeys(wav.left)).toBe('');
  expect(await judgeKeys(wav.right)).toBe('');
  expect(await judgeKeys(mix)).toBe('');
  const energy = (samples: Int16Array) => samples.reduce((sum, s) => sum + s * s, 0) / samples.length;
  expect(energy(wav.left)).toBeGreaterThan(1000);
  expect(energy(wav.right)).toBeGreaterThan(1000);

  expect(rig.twilio.requests.filter((request) => /Recordings|Record/i.test(`${request.path} ${JSON.stringify(request.params)}`))).toEqual([]);
});
