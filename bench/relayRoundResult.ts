/**
 * What a relay round measured, as printed: put together from what each thread of the load generator
 * measured on its own calls (summariseRound). A call's two legs are always driven by the same thread, so
 * each added delay is read on one clock, and the threads' delays are pooled before the percentiles.
 */
export interface RelayRoundResult {
  /** Filled in by the caller, which reads the server's CPU around the round. */
  cpuMsPerCallSecond: number;
  /** Seconds of audio relayed, summed over the calls. */
  callSeconds: number;
  /** Caller frames measured. */
  framesSent: number;
  p50: number;
  p99: number;
  max: number;
  late: number;
  lost: number;
  replaced: number;
  /** How far behind its schedule the generator's worst tick started (the worst thread's). */
  generatorLagMs: number;
  /** The generator's timer callbacks that started more than the late limit behind their schedule (its own stalls), over every thread. */
  generatorLateSlots: number;
  /**
   * The generator's event-loop delay over the round (Node's sampler, 1 ms resolution), p99 and max in ms:
   * how long an arrival could wait to be timestamped. With several threads, the worst thread's figures.
   */
  generatorLoopDelayP99Ms: number;
  generatorLoopDelayMaxMs: number;
  /** The load generator's own CPU (its whole process: every thread driving legs, and the rest of the bench) per call-second. */
  generatorCpuMsPerCallSecond: number;
}

/** What one thread measured on its own calls in a round: the sums and worsts of the result, and every delay. */
export interface LegMeasures
  extends Pick<RelayRoundResult, 'framesSent' | 'callSeconds' | 'lost' | 'replaced' | 'generatorLagMs' | 'generatorLateSlots' | 'generatorLoopDelayP99Ms' | 'generatorLoopDelayMaxMs'> {
  /** Added delay of each measured caller frame that arrived, in ms, in no particular order. */
  delays: Float64Array;
}

/** One round's result from every thread's measures and the generator process's CPU (µs) over the round. */
export function summariseRound(parts: LegMeasures[], lateMs: number, generatorCpuMicros: number): RelayRoundResult {
  const arrived = parts.reduce((sum, part) => sum + part.delays.length, 0);
  const delays = new Float64Array(arrived);
  let offset = 0;
  for (const part of parts) {
    delays.set(part.delays, offset);
    offset += part.delays.length;
  }
  delays.sort();
  const at = (p: number) => (arrived === 0 ? NaN : delays[Math.min(arrived - 1, Math.floor(p * arrived))]!);
  let late = 0;
  for (const delay of delays) if (delay > lateMs) late += 1;
  const sum = (key: 'framesSent' | 'callSeconds' | 'lost' | 'replaced' | 'generatorLateSlots') => parts.reduce((total, part) => total + part[key], 0);
  const worst = (key: 'generatorLagMs' | 'generatorLoopDelayP99Ms' | 'generatorLoopDelayMaxMs') => Math.max(0, ...parts.map((part) => part[key]));
  const callSeconds = sum('callSeconds');
  return {
    cpuMsPerCallSecond: NaN,
    callSeconds,
    framesSent: sum('framesSent'),
    p50: at(0.5),
    p99: at(0.99),
    max: arrived === 0 ? NaN : delays[arrived - 1]!,
    late,
    lost: sum('lost'),
    replaced: sum('replaced'),
    generatorLagMs: worst('generatorLagMs'),
    generatorLateSlots: sum('generatorLateSlots'),
    generatorLoopDelayP99Ms: worst('generatorLoopDelayP99Ms'),
    generatorLoopDelayMaxMs: worst('generatorLoopDelayMaxMs'),
    generatorCpuMsPerCallSecond: generatorCpuMicros / 1000 / callSeconds,
  };
}
