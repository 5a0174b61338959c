/**
 * Counts each key press once when two sources report it: the gateway's own tone detector and
 * Twilio's `dtmf` stream messages. Times are in samples of the caller's stream (8 kHz), the one clock
 * both sources share.
 *
 * The merge window: a Twilio event and a detected tone of the same key are one press when the event
 * arrives from 250 ms before the tone's start to 250 ms after its end. Twilio sends its event around
 * the tone, on its own message, so it may overtake or trail the audio; 250 ms covers that and stays
 * under the shortest cycle of two deliberate presses plus the detector's own latency. Each event
 * pairs with at most one tone and each tone with at most one event, oldest first, so a real double
 * key ("44": two tones, two events) counts twice however close the presses are; only when both
 * sources each miss a different one of the two presses does it count once.
 *
 * A key is announced as soon as its first report arrives (so keys come in the order pressed, with
 * the latency of the faster source); the later report of the same press is absorbed silently.
 */

export const MERGE_WINDOW_MS = 250;
const MERGE_WINDOW_SAMPLES = (MERGE_WINDOW_MS * 8000) / 1000;

interface DetectedPress {
  key: string;
  startSample: number;
  /** Infinity while the tone lasts. */
  endSample: number;
  paired: boolean;
}

interface TwilioEvent {
  key: string;
  atSample: number;
  paired: boolean;
}

export interface KeyMerger {
  /** The detector reports a tone for `key` that began at `startSample`; `nowSample` is the stream's clock. */
  detectedStart(key: string, startSample: number, nowSample: number): void;
  /** The detected tone that began at `startSample` ended at `endSample`. */
  detectedEnd(startSample: number, endSample: number): void;
  /** Twilio's `dtmf` message for `key` arrived at stream time `atSample`. */
  twilioEvent(key: string, atSample: number): void;
  onKey(listener: (key: string) => void): void;
}

export function createKeyMerger(): KeyMerger {
  const listeners: Array<(key: string) => void> = [];
  let presses: DetectedPress[] = [];
  let events: TwilioEvent[] = [];

  function announce(key: string): void {
    for (const listener of listeners) listener(key);
  }

  /** Drops reports too old to pair with anything that can still arrive. */
  function forget(nowSample: number): void {
    const horizon = nowSample - MERGE_WINDOW_SAMPLES;
    presses = presses.filter((press) => press.endSample >= horizon);
    events = events.filter((event) => event.atSample >= horizon);
  }

  return {
    detectedStart(key, startSample, nowSample) {
      forget(nowSample);
      const event = events.find((candidate) => !candidate.paired && candidate.key === key && candidate.atSample >= startSample - MERGE_WINDOW_SAMPLES);
      presses.push({ key, startSample, endSample: Infinity, paired: event !== undefined });
      if (event) event.paired = true;
      else announce(key);
    },
    detectedEnd(startSample, endSample) {
      const press = presses.find((candidate) => candidate.startSample === startSample);
      if (press) press.endSample = endSample;
    },
    twilioEvent(key, atSample) {
      forget(atSample);
      const press = presses.find(
        (candidate) =>
          !candidate.paired &&
          candidate.key === key &&
          atSample >= candidate.startSample - MERGE_WINDOW_SAMPLES &&
          atSample <= candidate.endSample + MERGE_WINDOW_SAMPLES,
      );
      events.push({ key, atSample, paired: press !== undefined });
      if (press) press.paired = true;
      else announce(key);
    },
    onKey(listener) {
      listeners.push(listener);
    },
  };
}
