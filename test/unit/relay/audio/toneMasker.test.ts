import { MU_LAW_SILENCE, muLawToPcm } from '../../../../src/relay/audio/muLaw';
import { createDtmfDetector } from '../../../../src/relay/audio/dtmfDetector';
import { createPassThroughFilter, createToneMasker, FRAME_BYTES, type CallerAudioFilter } from '../../../../src/relay/audio/toneMasker';
import { composeCall, playThrough, type CallPart } from '../../../support/audio/callerAudio';
import { msToSamples } from '../../../support/audio/keypadTones';

const SILENT = Buffer.alloc(FRAME_BYTES, MU_LAW_SILENCE);

/** The caller frames the agent receives, on the caller's clock (frame i of the output is input frame i - delay). */
function outputFrames(filter: CallerAudioFilter, frames: Buffer[], events: Map<number, string> = new Map()): Array<Buffer | null> {
  const out: Array<Buffer | null> = [];
  frames.forEach((frame, index) => {
    const key = events.get(index);
    if (key) filter.noteDtmfEvent(key);
    out.push(filter.push(frame));
  });
  out.push(...filter.flush());
  return out;
}

/** Input frame indices whose output came out replaced. */
function maskedFrames(filter: CallerAudioFilter, parts: CallPart[], events?: Map<number, string>, noiseDb = -50): { masked: number[]; frames: Buffer[] } {
  const call = composeCall(parts, { noiseDb, seed: 11 });
  const delay = filter.delayMs / 20;
  const out = outputFrames(filter, call.frames, events);
  const masked: number[] = [];
  call.frames.forEach((frame, index) => {
    const sent = out[index + delay];
    if (!sent || !sent.equals(frame)) masked.push(index);
  });
  return { masked, frames: call.frames };
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, index) => from + index);
}

describe('tone masker', () => {
  it('delays by delayFrames frames and passes audio without tones untouched', () => {
    const filter = createToneMasker();
    expect(filter.delayMs).toBe(80);
    const call = composeCall([{ pauseMs: 400 }], { noiseDb: -30 });
    const out = outputFrames(filter, call.frames);
    expect(out.slice(0, 4)).toEqual([null, null, null, null]);
    expect(Buffer.concat(out.slice(4) as Buffer[]).equals(Buffer.concat(call.frames))).toBe(true);
    expect(createToneMasker({ delayFrames: 2 }).delayMs).toBe(40);
  });

  it('masks every frame holding any part of a tone, plus the guard, wherever the tone falls', () => {
    for (const guardMs of [0, 20, 40]) {
      for (let shiftMs = 0; shiftMs < 20; shiftMs += 3) {
        for (const durationMs of [40, 90, 200]) {
          const start = msToSamples(200 + shiftMs);
          const end = start + msToSamples(durationMs);
          const guard = msToSamples(guardMs);
          const { masked } = maskedFrames(createToneMasker({ guardMs }), [
            { pauseMs: 200 + shiftMs },
            { tone: { key: '6', durationMs, levelDb: -12 } },
            { pauseMs: 400 },
          ]);
          const mustMask = range(Math.floor((start - guard) / 160), Math.floor((end - 1 + guard) / 160));
          expect(masked).toEqual(expect.arrayContaining(mustMask));
          // Nothing far from the tone: at most the guard and one detector block beyond it, rounded to frames.
          const slack = guard + 102 + 160;
          expect(masked.every((frame) => frame * 160 >= start - slack && frame * 160 < end + slack)).toBe(true);
        }
      }
    }
  });

  it('replaces with silence by default, or with a soft comfort noise that carries no tone', () => {
    const parts: CallPart[] = [{ pauseMs: 200 }, { tone: { key: '3', durationMs: 300, levelDb: -6 } }, { pauseMs: 300 }];
    const call = composeCall(parts, { noiseDb: -40 });
    const silent = outputFrames(createToneMasker(), call.frames);
    expect(silent.slice(4 + 12, 4 + 22).every((frame) => frame?.equals(SILENT))).toBe(true);

    const noisy = outputFrames(createToneMasker({ replacement: 'comfort-noise' }), call.frames).slice(4 + 12, 4 + 22) as Buffer[];
    const pcm = muLawToPcm(Buffer.concat(noisy));
    const rms = Math.sqrt(pcm.reduce((sum, sample) => sum + sample * sample, 0) / pcm.length);
    expect(rms).toBeGreaterThan(10);
    expect(rms).toBeLessThan(100);
    let flagged = 0;
    const detector = createDtmfDetector({ onBlock: (block) => void (flagged += block.maybeTone || block.hit ? 1 : 0) });
    detector.process(pcm);
    expect(flagged).toBe(0);
  });

  it('on a Twilio event masks everything still held, even what the detector found nothing in', () => {
    const events = new Map([[20, '5']]);
    const { masked } = maskedFrames(createToneMasker(), [{ pauseMs: 800 }], events);
    expect(masked).toEqual(expect.arrayContaining(range(16, 20)));
    expect(masked.every((frame) => frame >= 16 && frame <= 21)).toBe(true);
  });

  it('after a Twilio event watches for its tone, masking one too faint for the detector alone', () => {
    const parts: CallPart[] = [{ pauseMs: 300 }, { tone: { key: '8', durationMs: 60, levelDb: -72 } }, { pauseMs: 400 }];
    const start = msToSamples(300) / 160;
    // A quiet line: the tone stands out of it, though under the detector's own floor.
    const unaided = maskedFrames(createToneMasker(), parts, undefined, -85).masked;
    expect(unaided).toEqual([]);
    const warned = maskedFrames(createToneMasker(), parts, new Map([[start - 5, '8']]), -85).masked;
    expect(warned).toEqual(expect.arrayContaining(range(start - 1, start + 3)));
  });

  it('counts keys from the detector alone, from events alone, and each press once when both report it', () => {
    const parts: CallPart[] = [
      { pauseMs: 100 },
      { tone: { key: '4', durationMs: 80 } },
      { pauseMs: 80 },
      { tone: { key: '4', durationMs: 80 } },
      { pauseMs: 100 },
      { tone: { key: '2', durationMs: 40, levelDb: -60 } },
      { pauseMs: 200 },
    ];
    const call = composeCall(parts, { noiseDb: -70 });
    expect(playThrough(createToneMasker(), call, { events: false }).keys).toBe('44');

    const withEvents = composeCall(
      parts.map((part) => ('tone' in part ? { tone: { ...part.tone, eventAtMs: 40 } } : part)),
      { noiseDb: -70 },
    );
    expect(playThrough(createToneMasker(), withEvents).keys).toBe('442');
    expect(playThrough(createPassThroughFilter(), withEvents).keys).toBe('442');
  });

  it('returns what is still held on flush, and refuses frames after it', () => {
    const filter = createToneMasker({ delayFrames: 3 });
    const call = composeCall([{ pauseMs: 100 }], { noiseDb: -30 });
    filter.push(call.frames[0]!);
    filter.push(call.frames[1]!);
    expect(filter.flush()).toEqual([call.frames[0], call.frames[1]]);
    expect(() => filter.push(call.frames[2]!)).toThrow('flushed');
  });

  it('refuses bad options, frames and keys with messages that repeat no value', () => {
    expect(() => createToneMasker({ delayFrames: 5 })).toThrow('delayFrames must be a whole number from 1 to 4');
    expect(() => createToneMasker({ delayFrames: 0 })).toThrow('delayFrames');
    expect(() => createToneMasker({ delayFrames: 1.5 })).toThrow('delayFrames');
    expect(() => createToneMasker({ guardMs: -1 })).toThrow('guardMs');
    expect(() => createToneMasker({ replacement: 'beep' as 'silence' })).toThrow('replacement');
    for (const filter of [createToneMasker(), createPassThroughFilter()]) {
      expect(() => filter.push(Buffer.alloc(159))).toThrow('a caller frame must be a Buffer of 160 mu-law bytes');
      expect(() => filter.noteDtmfEvent('47')).toThrow(/^a dtmf event must name one keypad key \(0-9, \*, #, A-D\)$/);
      expect(() => filter.noteDtmfEvent('x')).toThrow('keypad key');
    }
  });

  it('passes frames straight through in the baseline filter', () => {
    const filter = createPassThroughFilter();
    const frame = Buffer.alloc(FRAME_BYTES, 0x55);
    expect(filter.delayMs).toBe(0);
    expect(filter.push(frame)).toBe(frame);
    expect(filter.flush()).toEqual([]);
  });
});
