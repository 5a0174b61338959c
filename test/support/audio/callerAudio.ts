/**
 * Builds a caller's side of a call the way Twilio would stream it (8 kHz mu-law, 20 ms frames): speech
 * clips, pauses and keypad tones laid end to end over a steady noise floor, tones optionally on top
 * of speech, each tone optionally with a Twilio `dtmf` event before, during or after it. Then plays
 * those frames through a caller audio filter, events interleaved where they fall, and collects what
 * the agent would hear and the keys the filter counted.
 */
import { MU_LAW_SILENCE, muLawToPcm, pcmToMuLaw } from '../../../src/relay/audio/muLaw';
import type { CallerAudioFilter } from '../../../src/relay/audio/toneMasker';
import { FRAME_SAMPLES, addNoise, addTone, msToSamples, toPcm16, type ToneSpec } from './keypadTones';

export type TonePart = Omit<ToneSpec, 'startSample'> & {
  /** Sends Twilio's event this many ms after the tone starts (negative: before it). */
  eventAtMs?: number;
};

export type CallPart =
  | { speech: Int16Array; tones?: Array<TonePart & { atMs: number }> }
  | { pauseMs: number }
  | { tone: TonePart };

export interface PlacedTone {
  key: string;
  startSample: number;
  endSample: number;
}

export interface CallerCall {
  /** What the caller sends, decoded back from mu-law: the reference the agent's audio is compared with. */
  pcm: Int16Array;
  frames: Buffer[];
  tones: PlacedTone[];
  /** Twilio events, each noted just before the frame `beforeFrame` is pushed. */
  events: Array<{ key: string; beforeFrame: number }>;
  /** The keys typed, in order. */
  typed: string;
}

export function composeCall(parts: CallPart[], options: { noiseDb?: number; seed?: number } = {}): CallerCall {
  let length = 0;
  for (const part of parts) {
    if ('speech' in part) length += part.speech.length;
    else if ('pauseMs' in part) length += msToSamples(part.pauseMs);
    else length += msToSamples(part.tone.durationMs);
  }
  // Whole frames, plus a trailing second so the last tone's masking guard has audio to fall on.
  length = Math.ceil((length + 8000) / FRAME_SAMPLES) * FRAME_SAMPLES;
  const signal = new Float64Array(length);
  const tones: Array<PlacedTone & { eventAtMs?: number }> = [];
  const place = (tone: TonePart, startSample: number): void => {
    addTone(signal, { ...tone, startSample });
    tones.push({ key: tone.key, startSample, endSample: startSample + msToSamples(tone.durationMs), eventAtMs: tone.eventAtMs });
  };
  let at = 0;
  for (const part of parts) {
    if ('speech' in part) {
      for (let index = 0; index < part.speech.length; index += 1) signal[at + index] = signal[at + index]! + part.speech[index]!;
      for (const tone of part.tones ?? []) place(tone, at + msToSamples(tone.atMs));
      at += part.speech.length;
    } else if ('pauseMs' in part) {
      at += msToSamples(part.pauseMs);
    } else {
      place(part.tone, at);
      at += msToSamples(part.tone.durationMs);
    }
  }
  if (options.noiseDb !== undefined) addNoise(signal, options.noiseDb, options.seed ?? 7);
  tones.sort((left, right) => left.startSample - right.startSample);

  const codes = pcmToMuLaw(toPcm16(signal));
  const frames: Buffer[] = [];
  for (let offset = 0; offset < codes.length; offset += FRAME_SAMPLES) frames.push(Buffer.from(codes.subarray(offset, offset + FRAME_SAMPLES)));
  const events = tones
    .filter((tone) => tone.eventAtMs !== undefined)
    .map((tone) => ({ key: tone.key, beforeFrame: Math.max(0, Math.round((tone.startSample + msToSamples(tone.eventAtMs!)) / FRAME_SAMPLES)) }))
    .sort((left, right) => left.beforeFrame - right.beforeFrame);
  return {
    pcm: muLawToPcm(codes),
    frames,
    tones: tones.map(({ key, startSample, endSample }) => ({ key, startSample, endSample })),
    events,
    typed: tones.map((tone) => tone.key).join(''),
  };
}

export interface FilteredCall {
  /**
   * What the agent would hear, decoded, on the caller's clock: for each frame pushed, what came out
   * at that moment (silence while the delay line fills), then what the flush returned.
   */
  pcm: Int16Array;
  keys: string;
}

const SILENT_FRAME = Buffer.alloc(FRAME_SAMPLES, MU_LAW_SILENCE);

export function playThrough(filter: CallerAudioFilter, call: CallerCall, options: { events?: boolean } = {}): FilteredCall {
  const keys: string[] = [];
  filter.onKey((key) => keys.push(key));
  const out: Buffer[] = [];
  let nextEvent = 0;
  const useEvents = options.events ?? true;
  call.frames.forEach((frame, index) => {
    while (useEvents && nextEvent < call.events.length && call.events[nextEvent]!.beforeFrame <= index) {
      filter.noteDtmfEvent(call.events[nextEvent]!.key);
      nextEvent += 1;
    }
    out.push(filter.push(frame) ?? SILENT_FRAME);
  });
  out.push(...filter.flush());
  return { pcm: muLawToPcm(Buffer.concat(out)), keys: keys.join('') };
}
