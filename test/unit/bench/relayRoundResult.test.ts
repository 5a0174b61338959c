import { summariseRound, type LegMeasures } from '../../../bench/relayRoundResult';

const part = (delays: number[], extra: Partial<LegMeasures> = {}): LegMeasures => ({
  delays: Float64Array.from(delays),
  framesSent: delays.length,
  callSeconds: delays.length / 50,
  lost: 0,
  replaced: 0,
  generatorLagMs: 0,
  generatorLateSlots: 0,
  generatorLoopDelayP99Ms: 0,
  generatorLoopDelayMaxMs: 0,
  ...extra,
});

describe("a relay round's result from its workers' measures", () => {
  it("pools every worker's delays before the percentiles and the late count", () => {
    // Worker 0 holds the fast half, worker 1 the slow half: neither one's median is the round's.
    const fast = Array.from({ length: 50 }, (_, index) => index / 10);
    const slow = Array.from({ length: 50 }, (_, index) => 20 + index);
    const result = summariseRound([part(fast), part(slow)], 20, 2000);
    expect(result.framesSent).toBe(100);
    expect(result.p50).toBe(20);
    expect(result.p99).toBe(69);
    expect(result.max).toBe(69);
    expect(result.late).toBe(49); // over 20 ms: 21 to 69
    expect(result.callSeconds).toBe(2);
    expect(result.generatorCpuMsPerCallSecond).toBe(1);
  });

  it("sums the losses and stalls, and keeps the worst worker's lag and loop delay", () => {
    const result = summariseRound(
      [
        part([1], { lost: 2, replaced: 1, generatorLagMs: 5, generatorLateSlots: 1, generatorLoopDelayP99Ms: 3, generatorLoopDelayMaxMs: 40 }),
        part([2], { lost: 3, replaced: 0, generatorLagMs: 30, generatorLateSlots: 2, generatorLoopDelayP99Ms: 7, generatorLoopDelayMaxMs: 12 }),
      ],
      20,
      0,
    );
    expect(result).toMatchObject({ lost: 5, replaced: 1, generatorLagMs: 30, generatorLateSlots: 3, generatorLoopDelayP99Ms: 7, generatorLoopDelayMaxMs: 40 });
  });

  it('has no delay figures when no frame arrived', () => {
    const result = summariseRound([part([]), part([])], 20, 0);
    expect([result.p50, result.p99, result.max]).toEqual([NaN, NaN, NaN]);
    expect(result.late).toBe(0);
  });
});
