import { createDtmfDetector } from '../relay/audio/dtmfDetector';
import { MU_LAW_SILENCE, muLawToPcm } from '../relay/audio/muLaw';

/** What a 100 ms window of the agent's audio sounded like. */
export type Heard = 'voice' | 'silence' | 'masked' | 'tone';

const WINDOW_FRAMES = 5;
const FRAME_BYTES = 160;
/** RMS over which a window is someone talking: about -35 dBFS, far above the line's noise (-60 dBFS). */
const VOICE_RMS = 580;
const MAX_BAR = 40;

/**
 * The agent's ear in the simulator: reads the caller's audio as the relay delivered it to the agent's
 * leg, prints it as runs of 100 ms windows ("voice", "silence", "masked" where the relay put silence in
 * place of a tone), and runs the gateway's own keypad-tone detector over all of it. A key it finds is
 * a tone that reached the agent: counted and reported, never named (it would be card data).
 *
 * "masked" is read from the relay's replacement, digital silence: the simulated caller never sends it
 * (its quiet is line noise), so a frame of it can only be one the relay masked.
 */
export class AgentEar {
  private readonly detector = createDtmfDetector({
    onBlock: (block) => {
      if (block.maybeTone) this.toneInWindow = true;
    },
    onKeyDown: () => {
      this.keysHeard += 1;
      this.print('!! the agent heard a keypad tone');
    },
  });
  private partial = Buffer.alloc(0);
  private window: Heard[] = [];
  private toneInWindow = false;
  private run: { heard: Heard; windows: number } | null = null;
  /** Keys the detector found in what the agent heard: must stay 0. */
  keysHeard = 0;
  /** 100 ms windows per kind, over the whole call. */
  readonly totals: Record<Heard, number> = { voice: 0, silence: 0, masked: 0, tone: 0 };

  constructor(private readonly print: (line: string) => void) {}

  /** Audio the agent's leg received (any length of mu-law). */
  hear(audio: Buffer): void {
    let data = this.partial.length > 0 ? Buffer.concat([this.partial, audio]) : audio;
    while (data.length >= FRAME_BYTES) {
      this.frame(data.subarray(0, FRAME_BYTES));
      data = data.subarray(FRAME_BYTES);
    }
    this.partial = Buffer.from(data);
  }

  /** The call is over: the last window and run are printed, the detector finishes. */
  finish(): void {
    this.detector.finish();
    if (this.window.length > 0) this.closeWindow();
    this.printRun();
  }

  private frame(frame: Buffer): void {
    const pcm = muLawToPcm(frame);
    this.detector.process(pcm);
    if (frame.every((code) => code === MU_LAW_SILENCE)) this.window.push('masked');
    else {
      let energy = 0;
      for (const sample of pcm) energy += sample * sample;
      this.window.push(Math.sqrt(energy / pcm.length) >= VOICE_RMS ? 'voice' : 'silence');
    }
    if (this.window.length === WINDOW_FRAMES) this.closeWindow();
  }

  private closeWindow(): void {
    const heard: Heard = this.toneInWindow ? 'tone' : this.window.includes('masked') ? 'masked' : this.window.includes('voice') ? 'voice' : 'silence';
    this.window = [];
    this.toneInWindow = false;
    this.totals[heard] += 1;
    if (this.run && this.run.heard === heard) this.run.windows += 1;
    else {
      this.printRun();
      this.run = { heard, windows: 1 };
    }
  }

  private printRun(): void {
    if (!this.run) return;
    const { heard, windows } = this.run;
    const mark = { voice: '▮', silence: '·', masked: '░', tone: '!' }[heard];
    const bar = mark.repeat(Math.min(windows, MAX_BAR)) + (windows > MAX_BAR ? '…' : '');
    this.print(`agent hears ${bar} ${heard} (${windows * 100} ms)`);
    this.run = null;
  }
}
