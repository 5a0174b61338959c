import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { muLawToPcm, pcmToMuLaw } from '../../../../src/relay/audio/muLaw';
import { FileCallRecorder } from '../../../../src/relay/recording/fileRecorder';
import { createStereoAligner } from '../../../../src/relay/recording/stereoAligner';
import { WAV_HEADER_BYTES, wavHeader } from '../../../../src/relay/recording/wavHeader';
import type { Logger } from '../../../../src/observability/logger';
import { readWav } from '../../../support/audio/wavFile';

const BRIDGE = 'br_0123456789abcdef0123456789abcdef';

/** A frame whose every sample decodes to one value, so each frame can be found again in the file. */
function frameOf(value: number): Buffer {
  return Buffer.from(pcmToMuLaw(new Int16Array(160).fill(value)));
}
const decoded = (value: number) => muLawToPcm(frameOf(value))[0]!;

function quietLogger() {
  const errors: string[] = [];
  const logger = { error: (message: string) => errors.push(message), info: () => undefined } as unknown as Logger;
  return { logger, errors };
}

/** The value of each 20 ms frame of one channel. */
const framesOf = (channel: Int16Array) => Array.from({ length: channel.length / 160 }, (_, index) => channel[index * 160]!);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'recordings-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('wavHeader', () => {
  it('describes 16-bit PCM stereo at 8 kHz with the data size given', () => {
    const header = wavHeader({ channels: 2, sampleRate: 8000 }, 6400);
    expect(header.length).toBe(WAV_HEADER_BYTES);
    expect(header.toString('ascii', 0, 4)).toBe('RIFF');
    expect(header.readUInt32LE(4)).toBe(36 + 6400);
    expect(header.toString('ascii', 8, 16)).toBe('WAVEfmt ');
    expect(header.readUInt32LE(16)).toBe(16);
    expect(header.readUInt16LE(20)).toBe(1);
    expect(header.readUInt16LE(22)).toBe(2);
    expect(header.readUInt32LE(24)).toBe(8000);
    expect(header.readUInt32LE(28)).toBe(32_000);
    expect(header.readUInt16LE(32)).toBe(4);
    expect(header.readUInt16LE(34)).toBe(16);
    expect(header.toString('ascii', 36, 40)).toBe('data');
    expect(header.readUInt32LE(40)).toBe(6400);
  });

  it('refuses sizes a WAV file cannot count', () => {
    expect(() => wavHeader({ channels: 2, sampleRate: 8000 }, 2 ** 32)).toThrow('out of range');
    expect(() => wavHeader({ channels: 2, sampleRate: 8000 }, -1)).toThrow('out of range');
  });
});

describe('createStereoAligner', () => {
  const run = (lag: number, script: Array<['c' | 'a', number] | 'drain'>) => {
    const out: Array<[number | null, number | null]> = [];
    const aligner = createStereoAligner(lag, (caller, agent) => out.push([caller ? caller[0]! : null, agent ? agent[0]! : null]));
    for (const step of script) {
      if (step === 'drain') aligner.drain();
      else if (step[0] === 'c') aligner.caller(Buffer.from([step[1]]));
      else aligner.agent(Buffer.from([step[1]]));
    }
    return out;
  };

  it('pairs frames in the order they arrive, whichever side comes first', () => {
    expect(run(5, [['c', 1], ['a', 11], ['a', 12], ['c', 2], ['c', 3], ['a', 13]])).toEqual([[1, 11], [2, 12], [3, 13]]);
  });

  it('fills a silent side with silence once the other runs more than the lag ahead', () => {
    expect(run(2, [['c', 1], ['c', 2], ['c', 3], ['c', 4], ['a', 11], ['a', 12], ['a', 13]])).toEqual([
      [1, null],
      [2, null],
      [3, 11],
      [4, 12],
    ]);
  });

  it('drains what still waits beside silence', () => {
    expect(run(5, [['a', 11], ['a', 12], 'drain'])).toEqual([[null, 11], [null, 12]]);
  });
});

describe('FileCallRecorder', () => {
  it('writes a stereo WAV, caller left and agent right, its header sizes written at close, mode 0600, named by the bridge', async () => {
    const { logger, errors } = quietLogger();
    const recording = new FileCallRecorder({ dir, logger, lagFrames: 2, chunkFrames: 3 }).start(BRIDGE);
    // The agent's leg answers after the caller's first four frames.
    for (const value of [100, 200, 300, 400]) recording.caller(frameOf(value));
    for (const value of [1000, 2000, 3000]) recording.agent(frameOf(value));
    recording.caller(frameOf(500));
    recording.agent(frameOf(4000));
    await recording.close();

    expect(readdirSync(dir)).toEqual([`${BRIDGE}.wav`]);
    const file = path.join(dir, `${BRIDGE}.wav`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const wav = readWav(file);
    expect(wav).toMatchObject({ format: 1, channels: 2, sampleRate: 8000, byteRate: 32_000, blockAlign: 4, bitsPerSample: 16 });
    expect(wav.dataBytes).toBe(6 * 640);
    expect(wav.riffSize).toBe(36 + wav.dataBytes);
    expect(statSync(file).size).toBe(WAV_HEADER_BYTES + wav.dataBytes);
    expect(framesOf(wav.left)).toEqual([100, 200, 300, 400, 500, 0].map((v) => (v ? decoded(v) : 0)));
    expect(framesOf(wav.right)).toEqual([0, 0, 1000, 2000, 3000, 4000].map((v) => (v ? decoded(v) : 0)));
    expect(errors).toEqual([]);
  });

  it('streams to the disk as the call goes, and the file is only named .wav once finished', async () => {
    const { logger } = quietLogger();
    const recording = new FileCallRecorder({ dir, logger, chunkFrames: 5 }).start(BRIDGE);
    for (let index = 0; index < 20; index += 1) {
      recording.caller(frameOf(50));
      recording.agent(frameOf(60));
    }
    const unfinished = path.join(dir, `${BRIDGE}.wav.part`);
    const deadline = Date.now() + 10_000;
    while ((existsSync(unfinished) ? statSync(unfinished).size : 0) < WAV_HEADER_BYTES + 15 * 640 && Date.now() < deadline) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(statSync(unfinished).size).toBeGreaterThanOrEqual(WAV_HEADER_BYTES + 15 * 640);
    expect(existsSync(path.join(dir, `${BRIDGE}.wav`))).toBe(false);
    await recording.close();
    expect(readdirSync(dir)).toEqual([`${BRIDGE}.wav`]);
    expect(readWav(path.join(dir, `${BRIDGE}.wav`)).dataBytes).toBe(20 * 640);
  });

  it('closes once: a second close is the same finish, and frames after it are not taken', async () => {
    const { logger } = quietLogger();
    const recording = new FileCallRecorder({ dir, logger }).start(BRIDGE);
    recording.caller(frameOf(10));
    const first = recording.close();
    expect(recording.close()).toBe(first);
    await first;
    recording.caller(frameOf(20));
    recording.agent(frameOf(30));
    await recording.close();
    const wav = readWav(path.join(dir, `${BRIDGE}.wav`));
    expect(wav.dataBytes).toBe(640);
    expect(framesOf(wav.left)).toEqual([decoded(10)]);
  });

  it('an empty call is a valid, empty WAV', async () => {
    const { logger } = quietLogger();
    await new FileCallRecorder({ dir, logger }).start(BRIDGE).close();
    expect(readWav(path.join(dir, `${BRIDGE}.wav`)).dataBytes).toBe(0);
  });

  it('refuses ids that could name another path, and frames that are not 20 ms of mu-law', () => {
    const { logger } = quietLogger();
    const recorder = new FileCallRecorder({ dir, logger });
    for (const id of ['../escape', 'a/b', '', '.hidden', 'x'.repeat(65)]) expect(() => recorder.start(id)).toThrow('bridge id');
    const recording = recorder.start(BRIDGE);
    expect(() => recording.caller(Buffer.alloc(159))).toThrow('160 mu-law bytes');
    return recording.close();
  });

  it('a folder it cannot write to is logged once and never thrown to the relay', async () => {
    const { logger, errors } = quietLogger();
    const recording = new FileCallRecorder({ dir: path.join(dir, 'missing'), logger, chunkFrames: 1 }).start(BRIDGE);
    for (let index = 0; index < 5; index += 1) recording.caller(frameOf(1));
    await expect(recording.close()).resolves.toBeUndefined();
    expect(errors).toEqual(['the recording could not be written']);
  });

  it('never writes over another recording of the same call', async () => {
    const { logger, errors } = quietLogger();
    const recorder = new FileCallRecorder({ dir, logger });
    const first = recorder.start(BRIDGE);
    const second = recorder.start(BRIDGE);
    first.caller(frameOf(7));
    second.caller(frameOf(9));
    await Promise.all([first.close(), second.close()]);
    expect(errors).toEqual(['the recording could not be written']);
    expect(framesOf(readWav(path.join(dir, `${BRIDGE}.wav`)).left)).toEqual([decoded(7)]);
  });
});
