/**
 * A streaming keypad-tone (DTMF) detector for 8 kHz audio, shaped like the detectors telephone
 * switches run (Asterisk's main/dsp.c and spandsp's dtmf.c, both after Steve Underwood's design):
 *
 *  - Goertzel filters on the eight DTMF frequencies over blocks of 102 samples (12.75 ms): long enough
 *    to separate neighbouring rows (73 Hz apart) by more than 8 dB, short enough that a 40 ms tone
 *    always covers two whole blocks while a 23 ms one never can.
 *  - A block is a hit when, for the strongest row and strongest column: each is above an absolute
 *    floor (about -42 dBm0), the twist is within 8 dB (column louder) / 4 dB (row louder), each is
 *    8 dB above the others of its group, and the pair carries more than 70 % of the block's energy
 *    (Asterisk asks 82 %, see STRICT_SHARE) — which is what keeps speech out.
 *  - Three checks run only on such candidate blocks, from the block's samples, so they cost nothing
 *    in the common case: the tone fills the block (neither end is quiet, so two hits mean at least
 *    24 ms of tone), the frequency tolerance (the nominal filter must beat filters 5 % above and
 *    below it, so a tone within ±2.5 % passes: ±1.5 % is always accepted, beyond ±3.5 % always
 *    refused), and the second-harmonic test of the older zaptel detector on the column (a voiced
 *    sound with a strong harmonic at twice the column frequency is speech, not a keypad).
 *  - A key is reported after two consecutive hits (about 24 ms or more of valid tone, so never under
 *    23 ms, and always by 40 ms) and ends after two blocks without it. While a key is held, a block
 *    that only passes the loose test below for the same key continues it (hysteresis), so the partly
 *    filled blocks at a short drop-out do not split one press into two.
 *
 * Every block also carries a cheap, loose reading, `maybeTone`: the strongest row/column pair holds
 * half of the block's energy, stands 3 dB above its neighbours and is within 12 dB of twist, with
 * a floor near -66 dBFS. It fires on a tone's first partly filled block and on tones too weak,
 * too short or too twisted to report, so a masker can hide them before anything reaches a listener.
 */

import { MU_LAW_TO_LINEAR } from './muLaw';

export const SAMPLE_RATE = 8000;
export const DTMF_BLOCK_SAMPLES = 102;

const ROW_HZ = [697, 770, 852, 941] as const;
const COLUMN_HZ = [1209, 1336, 1477, 1633] as const;
const KEYS = ['123A', '456B', '789C', '*0#D'] as const;

/** 8 dB: the twist allowed with the column louder, and the margin of a peak over its neighbours. */
const NORMAL_TWIST = 6.31;
/** 4 dB: the twist allowed with the row louder. */
const REVERSE_TWIST = 2.51;
const RELATIVE_PEAK = 6.31;
/**
 * Share of the block's energy the pair must carry. Asterisk asks 0.82 (42 / (102 / 2)), but a tone
 * 1.5 % off frequency loses up to a quarter of its filter's power over 102 samples, so that refuses
 * tones the standard says to accept; the edge test below takes over the duration part of its work.
 */
const STRICT_SHARE = 0.7;
/**
 * Share of the block's mean energy each end of the block must carry: a block the tone only partly fills
 * is not a hit, so two hits always mean a tone of more than 20 ms (23 ms or more for most keys). Each end is one period of the
 * pair's beat (8.5 to 30 samples): an energy test over a fixed 12 samples failed whenever a block's edge
 * fell in a beat's trough, for some keys ("0", "7") on every block of an 80 ms tone at some alignments,
 * so the key was never found.
 */
const EDGE_SHARE = 0.7;
/** Peak amplitude of each tone for a hit: about -42 dBm0 in 16-bit mu-law terms. */
const STRICT_AMPLITUDE = 180;
/** The frequency-tolerance guard filters sit this far above and below each nominal frequency. */
const GUARD_OFFSET = 0.05;
/**
 * A column's second harmonic must stay 18 dB under it (zaptel's value). Zaptel also held a row's
 * second harmonic 4 dB under the row, but twice every row frequency lies within 60-90 Hz of a column
 * frequency, so over 102 samples a tone's own column leaks into that filter and a key 1.5 % off
 * frequency fails; the row is left to the energy-share test.
 */
const COLUMN_SECOND_HARMONIC = 63.1;

/** Half the block's energy: a tone filling half a block passes; espeak speech rarely does (0.2 blocks/s). */
const LOOSE_SHARE = 0.5;
const LOOSE_RELATIVE_PEAK = 2.0;
const LOOSE_TWIST = 15.85;
const LOOSE_AMPLITUDE = 16;

/** Blocks of a key before it is reported, and blocks without it before it ends. */
const HITS_TO_BEGIN = 2;
const MISSES_TO_END = 2;

function coefficient(hz: number): number {
  return 2 * Math.cos((2 * Math.PI * hz) / SAMPLE_RATE);
}

const ROW_COEFFICIENTS = ROW_HZ.map(coefficient);
const COLUMN_COEFFICIENTS = COLUMN_HZ.map(coefficient);

/** The Goertzel power of one frequency over `length` samples (for the occasional extra filter). */
function goertzelPower(samples: Float64Array, length: number, coefficientValue: number): number {
  let previous = 0;
  let beforePrevious = 0;
  for (let index = 0; index < length; index += 1) {
    const next = coefficientValue * previous - beforePrevious + samples[index]!;
    beforePrevious = previous;
    previous = next;
  }
  return previous * previous + beforePrevious * beforePrevious - coefficientValue * previous * beforePrevious;
}

/** The power a sinusoid of `amplitude` gives its own Goertzel filter over `length` samples. */
function tonePower(amplitude: number, length: number): number {
  return ((length * amplitude) / 2) ** 2;
}

/** One analysed block. The detector reuses the object: read it inside the callback. */
export interface DtmfBlock {
  /** First sample of the block, counted from the start of the stream. */
  startSample: number;
  /** One past the block's last sample. */
  endSample: number;
  /** The key whose tone passes every test here, or null. */
  hit: string | null;
  /** The loose reading: a keypad tone may be (partly) present in this block. */
  maybeTone: boolean;
  /** The key of the strongest row and column, whatever their level (null in digital silence). */
  strongestPair: string | null;
  /** The share of the block's energy that pair carries, 0 to about 1. */
  pairShare: number;
}

export interface DtmfDetectorListener {
  onBlock?(block: Readonly<DtmfBlock>): void;
  /** A key has lasted long enough to report; `startSample` is where its first valid block began. */
  onKeyDown?(key: string, startSample: number): void;
  /** The key's tone has ended at `endSample` (exclusive). */
  onKeyUp?(key: string, startSample: number, endSample: number): void;
}

export interface DtmfDetector {
  /** Feeds PCM samples (any count); calls the listener for every block they complete. */
  process(samples: Int16Array): void;
  /** Feeds mu-law codes (any count), decoded straight into the block: the relay's path, one pass per frame. */
  processMuLaw(codes: Uint8Array): void;
  /** At the end of the stream: analyses the last, partial block loosely and ends a held key. */
  finish(): void;
}

export function createDtmfDetector(listener: DtmfDetectorListener = {}): DtmfDetector {
  const buffer = new Float64Array(DTMF_BLOCK_SAMPLES);
  const rows = new Float64Array(4);
  const columns = new Float64Array(4);
  const block: DtmfBlock = { startSample: 0, endSample: 0, hit: null, maybeTone: false, strongestPair: null, pairShare: 0 };
  let filled = 0;
  let blockStart = 0;

  let heldKey: string | null = null;
  let heldStart = 0;
  let heldEnd = 0;
  let misses = 0;
  let candidate: string | null = null;
  let candidateHits = 0;
  let candidateStart = 0;

  /** Fills `rows`/`columns` with the eight Goertzel powers and returns the block's energy. */
  function filterBank(length: number): number {
    const [r0, r1, r2, r3] = ROW_COEFFICIENTS as [number, number, number, number];
    const [c0, c1, c2, c3] = COLUMN_COEFFICIENTS as [number, number, number, number];
    let a0 = 0, b0 = 0, a1 = 0, b1 = 0, a2 = 0, b2 = 0, a3 = 0, b3 = 0;
    let d0 = 0, e0 = 0, d1 = 0, e1 = 0, d2 = 0, e2 = 0, d3 = 0, e3 = 0;
    let energy = 0;
    for (let index = 0; index < length; index += 1) {
      const x = buffer[index]!;
      energy += x * x;
      let t = r0 * a0 - b0 + x; b0 = a0; a0 = t;
      t = r1 * a1 - b1 + x; b1 = a1; a1 = t;
      t = r2 * a2 - b2 + x; b2 = a2; a2 = t;
      t = r3 * a3 - b3 + x; b3 = a3; a3 = t;
      t = c0 * d0 - e0 + x; e0 = d0; d0 = t;
      t = c1 * d1 - e1 + x; e1 = d1; d1 = t;
      t = c2 * d2 - e2 + x; e2 = d2; d2 = t;
      t = c3 * d3 - e3 + x; e3 = d3; d3 = t;
    }
    rows[0] = a0 * a0 + b0 * b0 - r0 * a0 * b0;
    rows[1] = a1 * a1 + b1 * b1 - r1 * a1 * b1;
    rows[2] = a2 * a2 + b2 * b2 - r2 * a2 * b2;
    rows[3] = a3 * a3 + b3 * b3 - r3 * a3 * b3;
    columns[0] = d0 * d0 + e0 * e0 - c0 * d0 * e0;
    columns[1] = d1 * d1 + e1 * e1 - c1 * d1 * e1;
    columns[2] = d2 * d2 + e2 * e2 - c2 * d2 * e2;
    columns[3] = d3 * d3 + e3 * e3 - c3 * d3 * e3;
    return energy;
  }

  function strongest(powers: Float64Array): number {
    let best = 0;
    for (let index = 1; index < 4; index += 1) if (powers[index]! > powers[best]!) best = index;
    return best;
  }

  /** How many times the peak exceeds the next strongest of its group. */
  function peakMargin(powers: Float64Array, best: number): number {
    let next = 0;
    for (let index = 0; index < 4; index += 1) if (index !== best && powers[index]! > next) next = powers[index]!;
    return next === 0 ? Infinity : powers[best]! / next;
  }

  /**
   * Neither end of the block is much quieter than the whole: the tone fills it. Each end is read over
   * one period of the pair's beat (two tones beat at their difference frequency), so a steady tone gives
   * each end the block's mean energy wherever the beat's troughs fall.
   */
  function fillsBlock(energy: number, length: number, rowHz: number, columnHz: number): boolean {
    const edge = Math.min(length >> 1, Math.ceil(SAMPLE_RATE / (columnHz - rowHz)));
    let head = 0;
    let tail = 0;
    for (let index = 0; index < edge; index += 1) {
      head += buffer[index]! * buffer[index]!;
      tail += buffer[length - 1 - index]! * buffer[length - 1 - index]!;
    }
    const floor = (EDGE_SHARE * energy * edge) / length;
    return head >= floor && tail >= floor;
  }

  /** The nominal filter beats both guards: the tone is within ±2.5 % of `hz`. */
  function withinTolerance(hz: number, power: number, length: number): boolean {
    return (
      goertzelPower(buffer, length, coefficient(hz * (1 + GUARD_OFFSET))) < power &&
      goertzelPower(buffer, length, coefficient(hz * (1 - GUARD_OFFSET))) < power
    );
  }

  function analyse(length: number, strictAllowed: boolean): void {
    const energy = filterBank(length);
    const row = strongest(rows);
    const column = strongest(columns);
    const rowPower = rows[row]!;
    const columnPower = columns[column]!;
    block.startSample = blockStart;
    block.endSample = blockStart + length;
    block.hit = null;
    block.maybeTone = false;
    block.strongestPair = null;
    block.pairShare = 0;
    if (energy <= 0) return;
    const key = KEYS[row]![column]!;
    // A sinusoid holding all of the block's energy gives its filter energy * length / 2.
    const share = (rowPower + columnPower) / ((energy * length) / 2);
    block.strongestPair = key;
    block.pairShare = share;
    const twist = columnPower / rowPower;
    const rowMargin = peakMargin(rows, row);
    const columnMargin = peakMargin(columns, column);
    const looseFloor = tonePower(LOOSE_AMPLITUDE, length);
    block.maybeTone =
      share >= LOOSE_SHARE &&
      rowPower >= looseFloor &&
      columnPower >= looseFloor &&
      twist <= LOOSE_TWIST &&
      twist >= 1 / LOOSE_TWIST &&
      rowMargin >= LOOSE_RELATIVE_PEAK &&
      columnMargin >= LOOSE_RELATIVE_PEAK;
    if (!strictAllowed || !block.maybeTone) return;
    const strictFloor = tonePower(STRICT_AMPLITUDE, length);
    if (
      share >= STRICT_SHARE &&
      rowPower >= strictFloor &&
      columnPower >= strictFloor &&
      twist <= NORMAL_TWIST &&
      twist * REVERSE_TWIST >= 1 &&
      rowMargin >= RELATIVE_PEAK &&
      columnMargin >= RELATIVE_PEAK &&
      fillsBlock(energy, length, ROW_HZ[row]!, COLUMN_HZ[column]!) &&
      withinTolerance(ROW_HZ[row]!, rowPower, length) &&
      withinTolerance(COLUMN_HZ[column]!, columnPower, length) &&
      goertzelPower(buffer, length, coefficient(COLUMN_HZ[column]! * 2)) * COLUMN_SECOND_HARMONIC < columnPower
    ) {
      block.hit = key;
    }
  }

  function endHeldKey(): void {
    if (heldKey === null) return;
    const key = heldKey;
    heldKey = null;
    listener.onKeyUp?.(key, heldStart, heldEnd);
  }

  /** The duration rules, block by block (Asterisk's hits-to-begin / misses-to-end scheme). */
  function track(): void {
    const { hit } = block;
    if (heldKey !== null) {
      const continues = hit === heldKey || (hit === null && block.maybeTone && block.strongestPair === heldKey);
      if (continues) {
        misses = 0;
        heldEnd = block.endSample;
      } else {
        misses += 1;
        if (misses >= MISSES_TO_END || hit !== null) endHeldKey();
      }
    }
    if (hit === null || hit === heldKey) {
      candidate = null;
      candidateHits = 0;
      return;
    }
    if (hit !== candidate) {
      candidate = hit;
      candidateHits = 0;
      candidateStart = block.startSample;
    }
    candidateHits += 1;
    if (candidateHits >= HITS_TO_BEGIN) {
      endHeldKey();
      heldKey = hit;
      heldStart = candidateStart;
      heldEnd = block.endSample;
      misses = 0;
      candidate = null;
      candidateHits = 0;
      listener.onKeyDown?.(hit, heldStart);
    }
  }

  function completeBlock(length: number, strictAllowed: boolean): void {
    analyse(length, strictAllowed);
    listener.onBlock?.(block);
    if (strictAllowed) track();
    blockStart += length;
    filled = 0;
  }

  return {
    process(samples) {
      for (let index = 0; index < samples.length; index += 1) {
        buffer[filled] = samples[index]!;
        filled += 1;
        if (filled === DTMF_BLOCK_SAMPLES) completeBlock(DTMF_BLOCK_SAMPLES, true);
      }
    },
    processMuLaw(codes) {
      for (let index = 0; index < codes.length; index += 1) {
        buffer[filled] = MU_LAW_TO_LINEAR[codes[index]!]!;
        filled += 1;
        if (filled === DTMF_BLOCK_SAMPLES) completeBlock(DTMF_BLOCK_SAMPLES, true);
      }
    },
    finish() {
      if (filled > 0) completeBlock(filled, false);
      endHeldKey();
    },
  };
}
