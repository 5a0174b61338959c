/**
 * The relay benchmarks' audio: one second of noise at a speech-like level (so the gateway's tone
 * detector runs its full path), as fifty 20 ms mu-law frames in base64, each frame different so nothing
 * is cached along the way. The same seed everywhere: the socket benchmark and the socket-free one relay
 * the same audio.
 */
import { pcmToMuLaw } from '../src/relay/audio/muLaw';

export function speechNoiseFrames(): string[] {
  const frames: string[] = [];
  let state = 0x1234567;
  for (let frame = 0; frame < 50; frame += 1) {
    const samples = new Int16Array(160);
    for (let index = 0; index < samples.length; index += 1) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      samples[index] = Math.round(((state >>> 16) / 65536 - 0.5) * 6000);
    }
    frames.push(Buffer.from(pcmToMuLaw(samples)).toString('base64'));
  }
  return frames;
}
