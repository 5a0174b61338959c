import { createDtmfDetector, DTMF_BLOCK_SAMPLES } from '../../../../src/relay/audio/dtmfDetector';
import { muLawToPcm, pcmToMuLaw } from '../../../../src/relay/audio/muLaw';
import { addNoise, msToSamples, seededRandom, toneClip, toPcm16 } from '../../../support/audio/keypadTones';

const ALL_KEYS = '123A456B789C*0#D'.split('');

interface Heard {
  keys: string;
  starts: number[];
  maybeBlocks: number;
  hitBlocks: number;
}

/** Runs a clip through mu-law (as Twilio delivers it) and the detector, 20 ms at a time. */
function listen(signal: Float64Array): Heard {
  const pcm = muLawToPcm(pcmToMuLaw(toPcm16(signal)));
  const heard: Heard = { keys: '', starts: [], maybeBlocks: 0, hitBlocks: 0 };
  const detector = createDtmfDetector({
    onKeyDown(key, startSample) {
      heard.keys += key;
      heard.starts.push(startSample);
    },
    onBlock(block) {
      if (block.maybeTone) heard.maybeBlocks += 1;
      if (block.hit) heard.hitBlocks += 1;
    },
  });
  for (let offset = 0; offset < pcm.length; offset += 160) detector.process(pcm.subarray(offset, offset + 160));
  detector.finish();
  return heard;
}

function tone(key: string, extra: { durationMs?: number; startMs?: number; levelDb?: number; twistDb?: number; offsetPercent?: number } = {}): Float64Array {
  const clip = toneClip({ key, durationMs: 100, startMs: 100, totalMs: 400, ...extra });
  addNoise(clip, -65, key.charCodeAt(0));
  return clip;
}

describe('keypad tone detector', () => {
  it('reports each of the sixteen keys once, where its tone starts', () => {
    for (const key of ALL_KEYS) {
      const heard = listen(tone(key));
      expect(heard.keys).toBe(key);
      expect(Math.abs(heard.starts[0]! - msToSamples(100))).toBeLessThanOrEqual(DTMF_BLOCK_SAMPLES);
    }
  });

  it('accepts tones 1.5 % off frequency and refuses tones 3.5 % off', () => {
    for (const key of ALL_KEYS) {
      expect(listen(tone(key, { offsetPercent: 1.5 })).keys).toBe(key);
      expect(listen(tone(key, { offsetPercent: -1.5 })).keys).toBe(key);
      expect(listen(tone(key, { offsetPercent: 3.5 })).keys).toBe('');
      expect(listen(tone(key, { offsetPercent: -3.5 })).keys).toBe('');
    }
  });

  it('accepts a column up to about 8 dB louder than the row, a row up to about 4 dB louder, and no more', () => {
    for (const key of ALL_KEYS) {
      expect(listen(tone(key, { levelDb: -20, twistDb: 7 })).keys).toBe(key);
      expect(listen(tone(key, { levelDb: -20, twistDb: -3 })).keys).toBe(key);
      expect(listen(tone(key, { levelDb: -20, twistDb: 10 })).keys).toBe('');
      expect(listen(tone(key, { levelDb: -20, twistDb: -6 })).keys).toBe('');
    }
  });

  it('reports a 40 ms tone wherever it falls against the blocks, and never a 23 ms one', () => {
    for (let shift = 0; shift < DTMF_BLOCK_SAMPLES; shift += 7) {
      const startMs = 100 + (shift * 1000) / 8000;
      expect(listen(tone('5', { durationMs: 40, startMs })).keys).toBe('5');
      expect(listen(tone('5', { durationMs: 23, startMs })).keys).toBe('');
    }
  });

  it('reports every key’s 40 ms tone wherever it falls against the blocks, and never a 20 ms one', () => {
    // Two tones beat at their difference frequency; an edge test that read the energy of a few samples
    // failed on every block of some keys' tones ("0") at some alignments, and the key was never found.
    for (const key of ALL_KEYS) {
      for (let shift = 0; shift < DTMF_BLOCK_SAMPLES; shift += 3) {
        const startMs = 100 + (shift * 1000) / 8000;
        expect(`${key}@${shift}: ${listen(tone(key, { durationMs: 40, startMs })).keys}`).toBe(`${key}@${shift}: ${key}`);
        expect(`${key}@${shift}: ${listen(tone(key, { durationMs: 20, startMs })).keys}`).toBe(`${key}@${shift}: `);
      }
    }
  });

  it('flags even a 20 ms tone, too short to report, as a possible tone', () => {
    for (let shift = 0; shift < DTMF_BLOCK_SAMPLES; shift += 17) {
      const heard = listen(tone('9', { durationMs: 20, startMs: 100 + (shift * 1000) / 8000 }));
      expect(heard.keys).toBe('');
      expect(heard.maybeBlocks).toBeGreaterThan(0);
    }
  });

  it('reports tones from -40 dBFS, and flags weaker ones without reporting them', () => {
    expect(listen(tone('0', { levelDb: -40 })).keys).toBe('0');
    const weak = listen(tone('0', { levelDb: -55 }));
    expect(weak.keys).toBe('');
    expect(weak.maybeBlocks).toBeGreaterThan(0);
  });

  it('reports a long press once, survives a 10 ms drop-out, and splits a double key with a 40 ms pause', () => {
    expect(listen(toneClip({ key: '4', durationMs: 1500, startMs: 50, totalMs: 1700 })).keys).toBe('4');
    const dropOut = toneClip({ key: '4', durationMs: 300, startMs: 50, totalMs: 500 });
    dropOut.fill(0, msToSamples(200), msToSamples(210));
    expect(listen(dropOut).keys).toBe('4');
    for (let shift = 0; shift < DTMF_BLOCK_SAMPLES; shift += 13) {
      const double = toneClip({ key: '4', durationMs: 60, startMs: 50 + shift / 8, totalMs: 400 });
      const second = toneClip({ key: '4', durationMs: 60, startMs: 150 + shift / 8, totalMs: 400 });
      for (let index = 0; index < double.length; index += 1) double[index] = double[index]! + second[index]!;
      expect(listen(double).keys).toBe('44');
    }
  });

  it('hears no key in noise or in a voiced, vowel-like sound rich in harmonics', () => {
    const noise = new Float64Array(msToSamples(2000));
    addNoise(noise, -20, 3);
    expect(listen(noise)).toMatchObject({ keys: '', hitBlocks: 0, maybeBlocks: 0 });

    // A glottal pitch sweeping 100-250 Hz with its harmonics shaped by two formants.
    const vowel = new Float64Array(msToSamples(2000));
    const random = seededRandom(5);
    let phase = 0;
    for (let index = 0; index < vowel.length; index += 1) {
      const pitch = 100 + 150 * (index / vowel.length);
      phase += (2 * Math.PI * pitch) / 8000;
      let value = 0;
      for (let harmonic = 1; pitch * harmonic < 3800; harmonic += 1) {
        const hz = pitch * harmonic;
        const envelope = Math.exp(-(((hz - 700) / 200) ** 2)) + 0.6 * Math.exp(-(((hz - 1300) / 250) ** 2)) + 0.05;
        value += envelope * Math.sin(phase * harmonic);
      }
      vowel[index] = 3000 * value + 50 * (random() - 0.5);
    }
    expect(listen(vowel)).toMatchObject({ keys: '', hitBlocks: 0 });
  });

  it('reads mu-law codes exactly as it reads the same codes decoded to PCM, block by block', () => {
    const signal = new Float64Array(msToSamples(1000));
    addNoise(signal, -30, 11);
    const pressed = toneClip({ key: '7', durationMs: 60, startMs: 300, totalMs: 1000 });
    for (let index = 0; index < signal.length; index += 1) signal[index]! += pressed[index]!;
    const codes = pcmToMuLaw(toPcm16(signal));
    const record = (feed: (detector: ReturnType<typeof createDtmfDetector>, frame: Uint8Array) => void) => {
      const seen: string[] = [];
      const detector = createDtmfDetector({
        onBlock: (block) => seen.push(`${block.startSample} ${block.hit} ${block.maybeTone} ${block.strongestPair} ${block.pairShare}`),
        onKeyDown: (key, start) => seen.push(`down ${key} ${start}`),
      });
      for (let offset = 0; offset < codes.length; offset += 160) feed(detector, codes.subarray(offset, offset + 160));
      detector.finish();
      return seen;
    };
    const viaPcm = record((detector, frame) => detector.process(muLawToPcm(frame)));
    expect(viaPcm).toContain('down 7 2448');
    expect(record((detector, frame) => detector.processMuLaw(frame))).toEqual(viaPcm);
  });
});
