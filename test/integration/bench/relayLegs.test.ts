import { startChild, stop, waitForHealth } from '../../../bench/childProcesses';
import { RelayLegWorkers, type RelayCall } from '../../../bench/relayLegWorkers';

/** The bare relay forwards both ways with no delay: every measured caller frame must reach its own agent leg. */
describe("the relay benchmark's leg driver against the bare relay, on two worker threads", () => {
  const port = 46000 + Math.floor(Math.random() * 1000);
  const url = `ws://127.0.0.1:${port}/stream`;
  const bare = startChild('bench/bareMediaRelay.ts', { PORT: String(port) });
  const calls: RelayCall[] = [];
  let workers: RelayLegWorkers;

  afterAll(async () => {
    await workers?.close();
    await stop(bare);
  });

  it('deals the calls out over the workers, paces frames in real time, numbers them and finds every one at the agent leg', async () => {
    workers = await RelayLegWorkers.start(2);
    await waitForHealth(`http://127.0.0.1:${port}/healthz`);
    for (let call = 0; call < 3; call += 1) {
      const open = (leg: string) => workers.openLeg(call, { url, signature: 'unchecked', accountSid: 'AC0', parameters: { call: String(call), leg } });
      calls.push({ call, caller: await open('caller'), agent: await open('agent') });
    }
    // Both legs of a call in one worker: each delay is read on one clock.
    expect(calls.map((call) => [call.caller.worker, call.agent.worker])).toEqual([[0, 0], [1, 1], [0, 0]]);
    const started = performance.now();
    // A generous late limit: this checks the driver's counting, not the machine's timing.
    // Three phases: each call's frames go out at its own instant within the 20 ms, whichever worker sends them.
    const result = await workers.runRound(calls, { seconds: 1, lookAheadMs: 0, lateMs: 10_000, phases: 3 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(980); // 50 frames at 20 ms, not sent at once
    expect(result).toMatchObject({ framesSent: 150, lost: 0, replaced: 0, late: 0 });
    expect(result.p50).toBeGreaterThanOrEqual(0);
    expect(result.max).toBeLessThan(10_000);
    expect(result.generatorLateSlots).toBe(0);
    expect(result.generatorCpuMsPerCallSecond).toBeGreaterThan(0);
  }, 60_000);

  it("does not count a stall of the main thread as the relay's delay: the workers send and timestamp on their own loops", async () => {
    const round = workers.runRound(calls, { seconds: 4, lookAheadMs: 0, lateMs: 10_000, phases: 3 });
    // Mid-round, the main thread (where the Twilio-shaped server and the bookkeeping run) is busy for 3 s.
    // Driven from this thread, the frames in flight would have waited that long to be timestamped. The
    // bound leaves a busy machine a second of its own stalls in the workers and still tells the two apart.
    setTimeout(() => {
      const end = performance.now() + 3000;
      while (performance.now() < end);
    }, 500);
    const result = await round;
    expect(result).toMatchObject({ framesSent: 600, lost: 0 });
    expect(result.max).toBeLessThan(2000);
  }, 60_000);

  it('counts frames that never reach the agent leg as lost', async () => {
    // The agent leg of the last call goes away: its caller's frames have nowhere to go.
    await calls[calls.length - 1]!.agent.hangUp();
    const result = await workers.runRound(calls, { seconds: 0.2, lookAheadMs: 0, lateMs: 10_000, phases: 1 });
    expect(result.lost).toBe(10);
  }, 60_000);
});
