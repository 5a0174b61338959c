import { spawn } from 'node:child_process';
import { cpuMicrosFromStat, processCpuMicros } from '../../../bench/processCpu';
import { eventually } from '../../support/eventually';

describe('process CPU for the benchmark', () => {
  it('reads utime and stime from a stat line whose command name holds spaces and parentheses', () => {
    const line = '4242 (node (x) y) S 1 4242 4242 0 -1 4194304 9000 0 0 0 250 75 0 0 20 0 11 0 500 0 0';
    expect(cpuMicrosFromStat(line, 100)).toBe(3_250_000);
  });

  it("counts another process's CPU as it burns it", async () => {
    // The child burns 400 ms of its own CPU time (not of wall time, which a busy machine would not turn
    // into as much CPU), then idles until killed.
    const burn = 'const used = () => { const u = process.cpuUsage(); return u.user + u.system; }; while (used() < 400000) {} setInterval(() => {}, 1000)';
    const child = spawn(process.execPath, ['-e', burn], { stdio: 'ignore' });
    try {
      await eventually(() => processCpuMicros(child.pid!) >= 300_000, 15_000, 'the child to have burnt 300 ms of CPU');
    } finally {
      child.kill();
    }
  });
});
