import { startChild, stop, waitForHealth } from '../../../bench/childProcesses';
import { openLeg, runRelayRound, type LegPair } from '../../../bench/relayLegs';

/** The bare relay forwards both ways with no delay: every measured caller frame must reach its own agent leg. */
describe("the relay benchmark's leg driver against the bare relay", () => {
  const port = 46000 + Math.floor(Math.random() * 1000);
  const url = `ws://127.0.0.1:${port}/stream`;
  const bare = startChild('bench/bareMediaRelay.ts', { PORT: String(port) });
  const pairs: LegPair[] = [];

  afterAll(async () => {
    for (const pair of pairs) pair.close();
    await stop(bare);
  });

  it('paces frames in real time, numbers them and finds every one at the agent leg', async () => {
    await waitForHealth(`http://127.0.0.1:${port}/healthz`);
    for (let call = 0; call < 3; call += 1) {
      const open = (leg: string) => openLeg({ url, signature: 'unchecked', accountSid: 'AC0', parameters: { call: String(call), leg } });
      const caller = await open('caller');
      const agent = await open('agent');
      pairs.push({ caller, agent, close: () => [caller, agent].forEach((leg) => leg.socket.close(1000)) });
    }
    const started = performance.now();
    // A generous late limit: this checks the driver's counting, not the machine's timing.
    // Three phases: each call's frames go out at its own instant within the 20 ms.
    const result = await runRelayRound({ pairs, seconds: 1, lookAheadMs: 0, lateMs: 10_000, phases: 3 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(980); // 50 frames at 20 ms, not sent at once
    expect(result).toMatchObject({ framesSent: 150, lost: 0, replaced: 0, late: 0 });
    expect(result.p50).toBeGreaterThanOrEqual(0);
    expect(result.max).toBeLessThan(10_000);
    expect(result.generatorLateSlots).toBe(0);
  }, 60_000);

  it('counts frames that never reach the agent leg as lost', async () => {
    // The agent leg of the last call goes away: its caller's frames have nowhere to go.
    const gone = pairs[pairs.length - 1]!;
    gone.agent.socket.close(1000);
    await new Promise((resolve) => gone.agent.socket.once('close', resolve));
    const result = await runRelayRound({ pairs, seconds: 0.2, lookAheadMs: 0, lateMs: 10_000, phases: 1 });
    expect(result.lost).toBe(10);
  }, 60_000);
});
