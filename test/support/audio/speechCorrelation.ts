/**
 * How intact the speech reaches the agent: the normalised correlation between what the caller sent
 * and what came out of the relay, over the samples at least `marginMs` away from every tone, at the
 * lag (in samples) that fits best. The best lag is the relay's measured delay.
 */
import { msToSamples } from './keypadTones';
import type { PlacedTone } from './callerAudio';

export interface SpeechMatch {
  /** The output lags the input by this many samples. */
  lagSamples: number;
  correlation: number;
  /** Samples compared (those far enough from every tone). */
  comparedSamples: number;
}

export function speechCorrelation(
  input: Int16Array,
  output: Int16Array,
  tones: PlacedTone[],
  options: { marginMs?: number; maxLagSamples?: number } = {},
): SpeechMatch {
  const margin = msToSamples(options.marginMs ?? 100);
  const maxLag = options.maxLagSamples ?? msToSamples(200);
  const far = new Uint8Array(input.length).fill(1);
  for (const tone of tones) far.fill(0, Math.max(0, tone.startSample - margin), Math.min(input.length, tone.endSample + margin));
  const indices: number[] = [];
  for (let index = 0; index < input.length; index += 1) if (far[index]) indices.push(index);

  let best: SpeechMatch = { lagSamples: 0, correlation: -Infinity, comparedSamples: indices.length };
  for (let lag = 0; lag <= maxLag; lag += 1) {
    let cross = 0;
    let inputEnergy = 0;
    let outputEnergy = 0;
    for (const index of indices) {
      const x = input[index]!;
      const y = index + lag < output.length ? output[index + lag]! : 0;
      cross += x * y;
      inputEnergy += x * x;
      outputEnergy += y * y;
    }
    const correlation = inputEnergy > 0 && outputEnergy > 0 ? cross / Math.sqrt(inputEnergy * outputEnergy) : 0;
    if (correlation > best.correlation) best = { lagSamples: lag, correlation, comparedSamples: indices.length };
  }
  return best;
}
