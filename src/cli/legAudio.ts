import type { MediaStreamLeg } from './mediaStreamLeg';
import { FRAME_MS, FRAME_SAMPLES, Noise, SyntheticVoice, framesOf, keypadTone, lineNoise } from './syntheticAudio';

/** How a simulated caller presses a key: 80 ms of tone and 120 ms before the next, like the relay's tests. */
const TONE_MS = 80;
const GAP_MS = 120;
/** Twilio's `dtmf` event goes with the tone's third frame (40 ms in), as it reports a key while it sounds. */
const EVENT_FRAME = 2;

interface Queued {
  frame: Buffer;
  /** A Twilio `dtmf` event sent just before this frame. */
  dtmf?: string;
  /** Resolves the promise of what was queued, once this (its last) frame is sent. */
  sent?: () => void;
}

/**
 * What one leg of the simulated call sends, frame by frame: queued sounds (speech, keypad tones), and
 * the line's faint noise when nothing is queued. The `AudioClock` takes one frame of each leg every 20 ms.
 */
export class LegAudio {
  private readonly queue: Queued[] = [];
  private readonly noise = new Noise();
  private readonly voice = new SyntheticVoice(this.noise);

  constructor(readonly leg: MediaStreamLeg) {}

  /** Talks for `ms`; resolves once the last of it is sent. */
  say(ms: number): Promise<void> {
    return this.enqueue(framesOf(this.voice.samples((ms * 8000) / 1000)).map((frame) => ({ frame })));
  }

  /**
   * Presses `keys` as keypad tones, each with Twilio's `dtmf` event unless `withEvents` is false (then the
   * relay's detector alone must find them); resolves once the last is sent.
   */
  press(keys: string, withEvents: boolean): Promise<void> {
    const items: Queued[] = [];
    for (const key of keys) {
      const tone = framesOf(keypadTone(key, TONE_MS));
      tone.forEach((frame, index) => items.push({ frame, ...(withEvents && index === EVENT_FRAME ? { dtmf: key } : {}) }));
      for (const frame of framesOf(lineNoise(this.noise, (GAP_MS * 8000) / 1000))) items.push({ frame });
    }
    return this.enqueue(items);
  }

  /** Sends this leg's next frame (and any event due with it). */
  async tick(): Promise<void> {
    if (!this.leg.isOpen) {
      // A leg that has gone settles what waited on it.
      for (const item of this.queue.splice(0)) item.sent?.();
      return;
    }
    const item = this.queue.shift() ?? { frame: framesOf(lineNoise(this.noise, FRAME_SAMPLES))[0]! };
    if (item.dtmf !== undefined) await this.leg.sendDtmf(item.dtmf);
    await this.leg.play(item.frame, { pace: 'fast' });
    item.sent?.();
  }

  private enqueue(items: Queued[]): Promise<void> {
    if (items.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      items[items.length - 1]!.sent = resolve;
      this.queue.push(...items);
    });
  }
}

/** Both legs' audio on one 20 ms clock, as a phone and Twilio send it: real time, catching up after a late tick. */
export class AudioClock {
  private stopped = false;
  private readonly done: Promise<void>;

  constructor(private readonly legs: LegAudio[]) {
    this.done = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }

  private async run(): Promise<void> {
    const startedAt = Date.now();
    for (let tick = 0; !this.stopped; tick += 1) {
      const due = startedAt + tick * FRAME_MS;
      if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
      await Promise.all(this.legs.map((leg) => leg.tick()));
    }
  }
}
