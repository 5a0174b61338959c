/**
 * The tone masker on real speech (espeak-ng) mixed with keypad tones, judged by an independent
 * decoder (multimon-ng): the caller's raw audio holds every key, what the agent hears holds none,
 * the speech away from the tones arrives intact and on time, and the keys counted are the ones typed.
 * The tools are required: a missing one fails the suite (CI installs them in .ci/run).
 */
import { createPassThroughFilter, createToneMasker } from '../../../src/relay/audio/toneMasker';
import { judgeKeys, requireAudioTools, speech } from '../../support/audio/audioTools';
import { composeCall, playThrough, type CallPart } from '../../support/audio/callerAudio';
import { speechCorrelation } from '../../support/audio/speechCorrelation';

jest.setTimeout(120_000);

let greeting: Int16Array;
let request: Int16Array;
let reply: Int16Array;

beforeAll(async () => {
  await requireAudioTools();
  greeting = await speech('Hello, thank you for calling. How can I help you today?', 'en-us');
  request = await speech('I would like to pay my bill, please. It came last week and I have it here.', 'en-gb');
  reply = await speech('Of course. Please type your card number now, then press the hash key.', 'en-us+f3');
});

/** The same call with every tone taken out: what the judge must find nothing in. */
function withoutTones(parts: CallPart[]): CallPart[] {
  return parts.map((part) => {
    if ('tone' in part) return { pauseMs: part.tone.durationMs };
    if ('speech' in part) return { speech: part.speech };
    return part;
  });
}

/** Checks everything the relay promises about one call, and returns the keys it counted. */
async function expectMasked(parts: CallPart[], options: { noiseDb: number; events: boolean; replacement?: 'silence' | 'comfort-noise' }) {
  const call = composeCall(parts, { noiseDb: options.noiseDb });
  const speechOnly = composeCall(withoutTones(parts), { noiseDb: options.noiseDb });
  expect(await judgeKeys(speechOnly.pcm)).toBe('');
  expect(await judgeKeys(call.pcm)).toBe(call.typed);

  const masker = createToneMasker({ replacement: options.replacement });
  const heard = playThrough(masker, call, { events: options.events });
  expect(await judgeKeys(heard.pcm)).toBe('');

  const match = speechCorrelation(call.pcm, heard.pcm, call.tones);
  expect(match.comparedSamples).toBeGreaterThan(call.pcm.length / 2);
  expect(match.correlation).toBeGreaterThanOrEqual(0.9);
  expect(masker.delayMs).toBeLessThanOrEqual(80);
  expect(match.lagSamples).toBe(masker.delayMs * 8);
  return { typed: call.typed, keys: heard.keys };
}

describe('tone masking on real speech, judged by multimon-ng', () => {
  it('the judge hears tones through the bare relay and none in speech alone', async () => {
    const parts: CallPart[] = [{ speech: greeting }, { pauseMs: 200 }, { tone: { key: '9', durationMs: 80 } }, { pauseMs: 200 }, { speech: request }];
    const call = composeCall(parts, { noiseDb: -60 });
    expect(await judgeKeys(playThrough(createPassThroughFilter(), call).pcm)).toBe('9');
    expect(await judgeKeys(composeCall(withoutTones(parts), { noiseDb: -60 }).pcm)).toBe('');
  });

  // Built per test: the speech clips exist only once beforeAll has run.
  const typing = (): CallPart[] => [
    { speech: greeting },
    { pauseMs: 300 },
    { tone: { key: '4', durationMs: 40, levelDb: -8 } },
    { pauseMs: 60 },
    { tone: { key: '2', durationMs: 60, levelDb: -20, twistDb: 3 } },
    { pauseMs: 90 },
    { tone: { key: '4', durationMs: 100, levelDb: -30, twistDb: -3 } },
    { pauseMs: 120 },
    { tone: { key: '2', durationMs: 200, levelDb: -12, offsetPercent: 1 } },
    { pauseMs: 70 },
    { tone: { key: '#', durationMs: 70, levelDb: -35, offsetPercent: -1 } },
    { pauseMs: 400 },
    // Keys pressed while the caller speaks.
    { speech: request, tones: [{ key: '7', atMs: 600, durationMs: 80, levelDb: -6 }, { key: '1', atMs: 2600, durationMs: 150, levelDb: -8, twistDb: 2 }] },
    { pauseMs: 300 },
    { speech: reply },
  ];

  it('with no Twilio events at all, the detector alone masks every tone and counts every key', async () => {
    const { typed, keys } = await expectMasked(typing(), { noiseDb: -60, events: false });
    expect(keys).toBe(typed);
  });

  it('masks with comfort noise just as well', async () => {
    const { typed, keys } = await expectMasked(typing(), { noiseDb: -60, events: false, replacement: 'comfort-noise' });
    expect(keys).toBe(typed);
  });

  it('counts each key once when Twilio reports it before, during or after the tone, double keys twice', async () => {
    const before = -40;
    const during = 30;
    const parts: CallPart[] = [
      { speech: greeting },
      { pauseMs: 300 },
      { tone: { key: '4', durationMs: 80, eventAtMs: before } },
      { pauseMs: 80 },
      { tone: { key: '4', durationMs: 80, eventAtMs: during } },
      { pauseMs: 100 },
      { tone: { key: '1', durationMs: 60, levelDb: -15, eventAtMs: 60 + 20 } },
      { pauseMs: 120 },
      { tone: { key: '1', durationMs: 120, levelDb: -25, eventAtMs: before } },
      { pauseMs: 90 },
      { tone: { key: '0', durationMs: 50, levelDb: -12, eventAtMs: during } },
      { pauseMs: 400 },
      { speech: request },
    ];
    const { typed, keys } = await expectMasked(parts, { noiseDb: -60, events: true });
    expect(typed).toBe('44110');
    expect(keys).toBe(typed);
  });

  it('masks and counts, from Twilio events, tones the detector alone would miss', async () => {
    const faint: CallPart[] = [
      { speech: greeting },
      { pauseMs: 300 },
      // Too short to report (20 ms), and too weak to report (-55 dBFS), events before/during/after.
      { tone: { key: '3', durationMs: 20, levelDb: -10, eventAtMs: -40 } },
      { pauseMs: 200 },
      { tone: { key: '6', durationMs: 60, levelDb: -55, eventAtMs: 30 } },
      { pauseMs: 200 },
      { tone: { key: '9', durationMs: 40, levelDb: -55, eventAtMs: 40 + 10 } },
      { pauseMs: 200 },
      // Under the detector's floor altogether (-72 dBFS on a quiet line): only the event masks it.
      { tone: { key: '5', durationMs: 60, levelDb: -72, eventAtMs: -20 } },
      { pauseMs: 300 },
      { speech: reply },
    ];
    const detectorAlone = playThrough(createToneMasker(), composeCall(faint, { noiseDb: -85 }), { events: false });
    expect(detectorAlone.keys).toBe('');
    expect(await judgeKeys(detectorAlone.pcm)).toBe('5');

    const { typed, keys } = await expectMasked(faint, { noiseDb: -85, events: true });
    expect(keys).toBe(typed);
  });
});
