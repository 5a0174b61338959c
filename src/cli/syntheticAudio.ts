import { pcmToMuLaw } from '../relay/audio/muLaw';

/**
 * The simulator's sounds, made in code as 8 kHz 16-bit PCM and sent as Twilio's 20 ms mu-law frames:
 * keypad tones (the two sines of a key), a vowel-like "voice", and a faint background noise. The voice
 * keeps its energy out of the keypad bands (rows 697-941 Hz, columns 1209-1633 Hz), as speech mostly does,
 * so the relay's masker lets it through while it hides every tone.
 */

export const SAMPLE_RATE = 8000;
export const FRAME_SAMPLES = 160;
export const FRAME_MS = 20;

const ROW_HZ: Record<string, number> = {};
const COLUMN_HZ: Record<string, number> = {};
['123A', '456B', '789C', '*0#D'].forEach((row, r) =>
  Array.from(row).forEach((key, c) => {
    ROW_HZ[key] = [697, 770, 852, 941][r]!;
    COLUMN_HZ[key] = [1209, 1336, 1477, 1633][c]!;
  }),
);

/** The keys a keypad tone exists for. */
export const TONE_KEY = /^[0-9*#A-D]$/;

/** A peak amplitude for a level in dB below full scale. */
function amplitude(db: number): number {
  return 32767 * 10 ** (db / 20);
}

/** A keypad key's tone: both sines at `levelDb` each (about -12 dBFS: a phone's keypad, heard loud). */
export function keypadTone(key: string, durationMs: number, levelDb = -12): Int16Array {
  const row = ROW_HZ[key];
  const column = COLUMN_HZ[key];
  if (row === undefined || column === undefined) throw new Error('not a keypad key');
  const samples = new Int16Array(Math.round((durationMs * SAMPLE_RATE) / 1000));
  const peak = amplitude(levelDb);
  for (let i = 0; i < samples.length; i += 1) {
    const t = i / SAMPLE_RATE;
    samples[i] = Math.round(peak * (Math.sin(2 * Math.PI * row * t) + Math.sin(2 * Math.PI * column * t)));
  }
  return samples;
}

/** A small, seeded noise source: the same run sounds the same. */
export class Noise {
  private state = 0x2545f491;

  /** One sample of white noise with peak `peak`. */
  sample(peak: number): number {
    this.state ^= this.state << 13;
    this.state ^= this.state >>> 17;
    this.state ^= this.state << 5;
    return ((this.state >>> 0) / 0xffffffff - 0.5) * 2 * peak;
  }
}

/** Harmonics of the voice by frequency band: strong under 600 Hz and over 1800 Hz, faint in the keypad's bands. */
function formantGain(hz: number): number {
  if (hz < 650) return 1;
  if (hz >= 1750 && hz < 2700) return 0.55;
  return 0.03;
}

/**
 * A vowel-like voice: a gliding fundamental near 140 Hz with its harmonics shaped by `formantGain`, in
 * syllables about 180 ms long, over faint noise. Continuous across calls, so frames join without clicks.
 */
export class SyntheticVoice {
  private phase = 0;
  private time = 0;
  constructor(private readonly noise = new Noise()) {}

  samples(count: number, levelDb = -14): Int16Array {
    const out = new Int16Array(count);
    const peak = amplitude(levelDb);
    for (let i = 0; i < count; i += 1) {
      const t = this.time / SAMPLE_RATE;
      const f0 = 140 + 18 * Math.sin(2 * Math.PI * 0.7 * t);
      this.phase += (2 * Math.PI * f0) / SAMPLE_RATE;
      let value = 0;
      let norm = 0;
      for (let h = 1; h * f0 < 3400; h += 1) {
        const gain = formantGain(h * f0) / h ** 0.5;
        value += gain * Math.sin(h * this.phase);
        norm += gain;
      }
      // Syllables: the loudness rises and falls about five times a second, never quite to nothing.
      const envelope = 0.35 + 0.65 * Math.abs(Math.sin(Math.PI * 2.8 * t));
      out[i] = Math.round((peak * envelope * value) / (norm * 0.35) + this.noise.sample(amplitude(-60)));
      this.time += 1;
    }
    return out;
  }
}

/** Background noise about 60 dB below full scale: a quiet line, never digital silence. */
export function lineNoise(noise: Noise, count: number): Int16Array {
  const out = new Int16Array(count);
  for (let i = 0; i < count; i += 1) out[i] = Math.round(noise.sample(amplitude(-60)));
  return out;
}

/** PCM as whole 20 ms mu-law frames (the last padded with line noise's quiet). */
export function framesOf(pcm: Int16Array): Buffer[] {
  const frames: Buffer[] = [];
  for (let start = 0; start < pcm.length; start += FRAME_SAMPLES) {
    const frame = new Int16Array(FRAME_SAMPLES);
    frame.set(pcm.subarray(start, Math.min(pcm.length, start + FRAME_SAMPLES)));
    frames.push(Buffer.from(pcmToMuLaw(frame)));
  }
  return frames;
}
