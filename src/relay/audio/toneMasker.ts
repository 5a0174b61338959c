/**
 * The caller-to-agent filter of the media relay: caller audio goes on to the agent through a short
 * delay line, and every frame that holds any part of a keypad tone, plus a guard before and after,
 * leaves it replaced by silence or a soft comfort noise. Tones are found two ways, both feeding the
 * same masks and the same key count:
 *
 *  - the gateway's detector (dtmfDetector.ts): a block that is a hit, or only loosely tone-like,
 *    masks its own samples plus the guard. The first block a tone fills ends at most 25.5 ms after
 *    the tone starts, and masking back from it by the guard reaches at most three frames into the
 *    past, so a delay of four frames (80 ms) masks a tone before its first sample leaves;
 *  - Twilio's `dtmf` messages: one masks everything still held (the tone may just have passed), the
 *    guard ahead, and for the next 200 ms watches for that key's tone pair at a looser level than the
 *    detector's own, masking it when it comes (the event may precede the tone). An event reaches
 *    back only as far as the delay line: a tone that began more than 80 ms before it has partly left.
 *
 * Keys from both are merged by keyMerger.ts. The filter is pure and synchronous: the relay calls it
 * per frame on the call's own socket handler.
 */
import { createDtmfDetector } from './dtmfDetector';
import { createKeyMerger } from './keyMerger';
import { MU_LAW_SILENCE, pcmToMuLaw } from './muLaw';

export interface CallerAudioFilter {
  /** One 20 ms mu-law frame (160 bytes) from the caller; returns the frame to send on now (the one that entered
   *  `delayFrames` pushes ago, masked if it held any part of a tone or sits within the guard of one), or null
   *  while the delay line fills. */
  push(frame: Buffer): Buffer | null;
  /** A Twilio `dtmf` message on the caller's stream: a key was pressed around now (it may arrive before, during or
   *  after the tone). Masks what is still held around now, and counts the key (merged with the detector's). */
  noteDtmfEvent(digit: string): void;
  /** Keys, each counted once (detector and Twilio events merged), in order, as they are confirmed. */
  onKey(listener: (key: string) => void): void;
  /** At the end of the stream: the frames still held, masked as needed. */
  flush(): Buffer[];
  /** The look-ahead delay in ms (<= 80). */
  readonly delayMs: number;
}

export interface ToneMaskerOptions {
  /** Frames of look-ahead, 1 to 4 (default 4: 80 ms). */
  delayFrames?: number;
  /** Audio masked before and after each tone, 0 to 100 ms (default 20), rounded out to whole frames. */
  guardMs?: number;
  /** What replaces a masked frame (default silence). */
  replacement?: 'silence' | 'comfort-noise';
}

export const FRAME_BYTES = 160;
const MS_PER_FRAME = 20;
const SAMPLES_PER_MS = 8;
const MAX_DELAY_FRAMES = 4;
const MAX_GUARD_MS = 100;
/** How long after a Twilio event its key's tone is watched for, and how long a sighting extends it. */
const EVENT_WATCH_SAMPLES = 200 * SAMPLES_PER_MS;
/** The share of a block's energy the event's own key pair needs while watched (the detector's loose test asks 0.5). */
const EVENT_PAIR_SHARE = 0.25;
const KEYPAD_KEY = /^[0-9*#A-D]$/;

function checkFrame(frame: Buffer): void {
  if (!Buffer.isBuffer(frame) || frame.length !== FRAME_BYTES) {
    throw new Error(`a caller frame must be a Buffer of ${FRAME_BYTES} mu-law bytes (20 ms at 8 kHz)`);
  }
}

function checkKey(digit: string): void {
  // The message names no value: the digit is card data during a capture.
  if (typeof digit !== 'string' || !KEYPAD_KEY.test(digit)) throw new Error('a dtmf event must name one keypad key (0-9, *, #, A-D)');
}

/**
 * Comfort noise: white noise about 60 dB below full scale, even in level and spectrum, so it carries
 * nothing a tone detector could read. Made once; each masker walks through it from its own offset.
 */
const COMFORT_NOISE = (() => {
  const samples = new Int16Array(FRAME_BYTES * 25);
  let state = 0x2545f491;
  for (let index = 0; index < samples.length; index += 1) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    // Uniform in [-58, 58]: an RMS of about 33, -60 dBFS.
    samples[index] = ((state >>> 0) % 117) - 58;
  }
  return Buffer.from(pcmToMuLaw(samples));
})();

function replacementSource(kind: 'silence' | 'comfort-noise'): () => Buffer {
  if (kind === 'silence') return () => Buffer.alloc(FRAME_BYTES, MU_LAW_SILENCE);
  let offset = 0;
  return () => {
    const frame = Buffer.from(COMFORT_NOISE.subarray(offset, offset + FRAME_BYTES));
    offset = (offset + FRAME_BYTES) % COMFORT_NOISE.length;
    return frame;
  };
}

export function createToneMasker(options: ToneMaskerOptions = {}): CallerAudioFilter {
  const delayFrames = options.delayFrames ?? MAX_DELAY_FRAMES;
  const guardMs = options.guardMs ?? 20;
  if (!Number.isInteger(delayFrames) || delayFrames < 1 || delayFrames > MAX_DELAY_FRAMES) {
    throw new Error(`delayFrames must be a whole number from 1 to ${MAX_DELAY_FRAMES} (${MAX_DELAY_FRAMES * MS_PER_FRAME} ms)`);
  }
  if (!Number.isFinite(guardMs) || guardMs < 0 || guardMs > MAX_GUARD_MS) throw new Error(`guardMs must be from 0 to ${MAX_GUARD_MS}`);
  const replacement = options.replacement ?? 'silence';
  if (replacement !== 'silence' && replacement !== 'comfort-noise') throw new Error("replacement must be 'silence' or 'comfort-noise'");
  const guardSamples = Math.round(guardMs * SAMPLES_PER_MS);
  const nextReplacement = replacementSource(replacement);

  // The delay line: slot (frame index % size) holds a frame until it leaves.
  const size = delayFrames + 1;
  const held: Array<Buffer | null> = new Array<Buffer | null>(size).fill(null);
  const masked = new Uint8Array(size);
  let nextFrame = 0;
  let oldestHeld = 0;
  /** Frames up to this index are masked when they arrive (a mask reaching into the future). */
  let maskThroughFrame = -1;
  let ended = false;
  /** Keys Twilio reported, watched for until the sample given. */
  const watched = new Map<string, number>();

  /** Masks the frames holding samples [from, to), as far as they are still held or yet to come. */
  function mask(from: number, to: number): void {
    const first = Math.max(Math.floor(from / FRAME_BYTES), oldestHeld);
    const last = Math.floor((to - 1) / FRAME_BYTES);
    for (let frame = first; frame <= last && frame < nextFrame; frame += 1) masked[frame % size] = 1;
    if (last > maskThroughFrame) maskThroughFrame = last;
  }

  const merger = createKeyMerger();
  const detector = createDtmfDetector({
    onBlock(block) {
      if (block.hit !== null || block.maybeTone) mask(block.startSample - guardSamples, block.endSample + guardSamples);
      if (watched.size === 0) return;
      for (const [key, until] of watched) {
        if (block.startSample > until) watched.delete(key);
        else if (block.strongestPair === key && block.pairShare >= EVENT_PAIR_SHARE) {
          mask(block.startSample - guardSamples, block.endSample + guardSamples);
          watched.set(key, Math.max(until, block.endSample + EVENT_WATCH_SAMPLES));
        }
      }
    },
    onKeyDown(key, startSample) {
      merger.detectedStart(key, startSample, nextFrame * FRAME_BYTES);
    },
    onKeyUp(_key, startSample, endSample) {
      merger.detectedEnd(startSample, endSample);
    },
  });

  function leave(frame: number): Buffer {
    const slot = frame % size;
    const out = masked[slot] ? nextReplacement() : held[slot]!;
    held[slot] = null;
    masked[slot] = 0;
    oldestHeld = frame + 1;
    return out;
  }

  return {
    delayMs: delayFrames * MS_PER_FRAME,
    push(frame) {
      if (ended) throw new Error('the caller stream has been flushed: create a new filter for a new stream');
      checkFrame(frame);
      const index = nextFrame;
      nextFrame += 1;
      held[index % size] = frame;
      masked[index % size] = index <= maskThroughFrame ? 1 : 0;
      detector.processMuLaw(frame);
      return nextFrame - oldestHeld > delayFrames ? leave(oldestHeld) : null;
    },
    noteDtmfEvent(digit) {
      checkKey(digit);
      const now = nextFrame * FRAME_BYTES;
      mask(oldestHeld * FRAME_BYTES, now + guardSamples);
      watched.set(digit, now + EVENT_WATCH_SAMPLES);
      merger.twilioEvent(digit, now);
    },
    onKey(listener) {
      merger.onKey(listener);
    },
    flush() {
      if (ended) return [];
      ended = true;
      detector.finish();
      const out: Buffer[] = [];
      while (oldestHeld < nextFrame) out.push(leave(oldestHeld));
      return out;
    },
  };
}

/**
 * The bare baseline: no delay, nothing masked, keys only from Twilio's events (each counted). For
 * benchmarks that measure what detection and masking cost beside a plain relay.
 */
export function createPassThroughFilter(): CallerAudioFilter {
  const listeners: Array<(key: string) => void> = [];
  return {
    delayMs: 0,
    push(frame) {
      checkFrame(frame);
      return frame;
    },
    noteDtmfEvent(digit) {
      checkKey(digit);
      for (const listener of listeners) listener(digit);
    },
    onKey(listener) {
      listeners.push(listener);
    },
    flush() {
      return [];
    },
  };
}
