/**
 * CPU time used by another process, read from `/proc/<pid>/stat` (Linux). The kernel's own count
 * for that one process: nothing runs inside the server to measure it, so the figure costs the
 * server nothing, and the load generator sharing the machine does not enter it.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** user + system CPU of `pid` in microseconds. */
export function processCpuMicros(pid: number, ticksPerSecond = clockTicksPerSecond()): number {
  return cpuMicrosFromStat(readFileSync(`/proc/${pid}/stat`, 'utf8'), ticksPerSecond);
}

/**
 * utime and stime (fields 14 and 15) of a `/proc/<pid>/stat` line, in microseconds. The command
 * name (field 2) is in parentheses and may hold spaces or parentheses, so fields count from the last ')'.
 */
export function cpuMicrosFromStat(stat: string, ticksPerSecond: number): number {
  const afterName = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // afterName[0] is field 3 (state): utime is field 14, stime field 15.
  const utime = Number(afterName[11]);
  const stime = Number(afterName[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error('unreadable /proc stat line');
  return ((utime + stime) * 1e6) / ticksPerSecond;
}

let ticks: number | undefined;

/** The kernel's USER_HZ (100 on every common Linux build); asked once of getconf. */
export function clockTicksPerSecond(): number {
  if (ticks === undefined) {
    try {
      ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}
