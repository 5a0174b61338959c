/**
 * CPU cost of the relay's caller-audio filter, alone: how many ms of CPU the tone masker spends per
 * second of call audio, beside the pass-through baseline, on one core with no I/O. The audio is one
 * minute of noise at a speech-like level with a keypad tone every second (a fifth of the time in
 * tone, so the detector's extra checks on candidate blocks are counted too), pushed frame by frame
 * through a fresh filter per call, as the relay would.
 *
 *   npx ts-node --transpile-only bench/relayAudioCpu.ts [--calls 100] [--seconds 60]
 */
import { parseArgs } from 'node:util';
import { pcmToMuLaw } from '../src/relay/audio/muLaw';
import { createPassThroughFilter, createToneMasker, FRAME_BYTES, type CallerAudioFilter } from '../src/relay/audio/toneMasker';

const { values: args } = parseArgs({
  options: { calls: { type: 'string', default: '100' }, seconds: { type: 'string', default: '60' } },
});
const calls = Number(args.calls);
const seconds = Number(args.seconds);

function callAudio(): Buffer[] {
  const samples = new Int16Array(seconds * 8000);
  let state = 12345;
  for (let index = 0; index < samples.length; index += 1) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    const noise = ((state >>> 16) / 65536 - 0.5) * 6000;
    const inTone = index % 8000 < 1600;
    const tone = inTone ? 6000 * (Math.sin((2 * Math.PI * 770 * index) / 8000) + Math.sin((2 * Math.PI * 1336 * index) / 8000)) : 0;
    samples[index] = Math.round(inTone ? tone + noise / 20 : noise);
  }
  const codes = pcmToMuLaw(samples);
  const frames: Buffer[] = [];
  for (let offset = 0; offset < codes.length; offset += FRAME_BYTES) frames.push(Buffer.from(codes.subarray(offset, offset + FRAME_BYTES)));
  return frames;
}

function run(label: string, create: () => CallerAudioFilter, frames: Buffer[]): void {
  let sink = 0;
  const play = (count: number) => {
    for (let call = 0; call < count; call += 1) {
      const filter = create();
      filter.onKey(() => (sink += 1));
      for (const frame of frames) sink += filter.push(frame)?.[0] ?? 0;
      sink += filter.flush().length;
    }
  };
  play(Math.max(1, Math.floor(calls / 10))); // warm the JIT
  const before = process.cpuUsage();
  play(calls);
  const used = process.cpuUsage(before);
  const cpuMs = (used.user + used.system) / 1000;
  const callSeconds = calls * seconds;
  console.log(`${label}: ${(cpuMs / callSeconds).toFixed(3)} ms CPU per call-second (${callSeconds} call-seconds in ${cpuMs.toFixed(0)} ms; ${sink > 0 ? 'ok' : 'no output'})`);
}

const frames = callAudio();
run('tone masker     ', () => createToneMasker(), frames);
run('tone masker (cn)', () => createToneMasker({ replacement: 'comfort-noise' }), frames);
run('pass-through    ', () => createPassThroughFilter(), frames);
