/**
 * Synthetic keypad tones and the small sample-level tools the audio tests share: all at 8 kHz, in
 * floating point until the end, so tests can mix speech, tones and noise before one conversion to
 * 16-bit PCM.
 */

export const SAMPLE_RATE = 8000;
export const FRAME_SAMPLES = 160;

const ROWS = [697, 770, 852, 941] as const;
const COLUMNS = [1209, 1336, 1477, 1633] as const;
const LAYOUT = ['123A', '456B', '789C', '*0#D'] as const;

/** The row and column frequencies of a key. */
export function keyFrequencies(key: string): { row: number; column: number } {
  const row = LAYOUT.findIndex((line) => line.includes(key));
  if (key.length !== 1 || row < 0) throw new Error(`not a keypad key: ${JSON.stringify(key)}`);
  return { row: ROWS[row]!, column: COLUMNS[LAYOUT[row]!.indexOf(key)]! };
}

export interface ToneSpec {
  key: string;
  /** Where the tone starts, in samples from the start of the clip. */
  startSample: number;
  durationMs: number;
  /** Peak level of the row tone relative to full scale (default -10 dB, a telephone's usual level). */
  levelDb?: number;
  /** Column level minus row level in dB (positive: "normal" twist, column louder). */
  twistDb?: number;
  /** Relative frequency error applied to both tones, in percent. */
  offsetPercent?: number;
}

export function msToSamples(ms: number): number {
  return Math.round((ms * SAMPLE_RATE) / 1000);
}

export function dbToAmplitude(db: number): number {
  return 32767 * 10 ** (db / 20);
}

/** Adds a tone to `signal` (in place), with a random-looking but repeatable phase per key. */
export function addTone(signal: Float64Array, spec: ToneSpec): void {
  const { row, column } = keyFrequencies(spec.key);
  const scale = 1 + (spec.offsetPercent ?? 0) / 100;
  const rowAmplitude = dbToAmplitude(spec.levelDb ?? -10);
  const columnAmplitude = rowAmplitude * 10 ** ((spec.twistDb ?? 0) / 20);
  const length = msToSamples(spec.durationMs);
  const phase = (spec.key.charCodeAt(0) % 7) * 0.7;
  for (let index = 0; index < length; index += 1) {
    const at = spec.startSample + index;
    if (at < 0 || at >= signal.length) continue;
    const time = index / SAMPLE_RATE;
    signal[at] =
      signal[at]! +
      rowAmplitude * Math.sin(2 * Math.PI * row * scale * time + phase) +
      columnAmplitude * Math.sin(2 * Math.PI * column * scale * time + 2 * phase);
  }
}

/** A single tone in an otherwise silent clip of `totalMs`, starting at `startMs`. */
export function toneClip(spec: Omit<ToneSpec, 'startSample'> & { startMs: number; totalMs: number }): Float64Array {
  const signal = new Float64Array(msToSamples(spec.totalMs));
  addTone(signal, { ...spec, startSample: msToSamples(spec.startMs) });
  return signal;
}

/** A repeatable pseudo-random generator (mulberry32), so noisy tests fail the same way twice. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

/** Adds white noise of the given RMS level (dB relative to full scale) to `signal`, in place. */
export function addNoise(signal: Float64Array, levelDb: number, seed = 1): void {
  const random = seededRandom(seed);
  // A uniform value in [-1, 1) has an RMS of 1/sqrt(3).
  const amplitude = dbToAmplitude(levelDb) * Math.sqrt(3);
  for (let index = 0; index < signal.length; index += 1) signal[index] = signal[index]! + amplitude * (2 * random() - 1);
}

/** Rounds and clips to 16-bit PCM. */
export function toPcm16(signal: Float64Array): Int16Array {
  const out = new Int16Array(signal.length);
  for (let index = 0; index < signal.length; index += 1) {
    const value = Math.round(signal[index]!);
    out[index] = value > 32767 ? 32767 : value < -32768 ? -32768 : value;
  }
  return out;
}
