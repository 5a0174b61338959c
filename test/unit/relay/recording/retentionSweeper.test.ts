import { existsSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Logger } from '../../../../src/observability/logger';
import { startRetentionSweeper } from '../../../../src/relay/recording/retentionSweeper';
import { ManualTimers } from '../../../support/manualTimers';

const DAY_MS = 86_400_000;
const logger = { info: () => undefined, error: () => undefined } as unknown as Logger;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'recordings-sweep-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A file last written `daysAgo` before `now`. */
function file(name: string, now: Date, daysAgo: number): void {
  const at = new Date(now.getTime() - daysAgo * DAY_MS);
  writeFileSync(path.join(dir, name), 'x');
  utimesSync(path.join(dir, name), at, at);
}

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check() && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
  expect(check()).toBe(true);
}

describe('the recordings retention sweeper', () => {
  it('deletes recordings older than the retention at start, finished or abandoned, and nothing else', async () => {
    const now = new Date('2030-06-01T12:00:00Z');
    file('br_old.wav', now, 31);
    file('br_crashed.wav.part', now, 40);
    file('br_recent.wav', now, 29);
    file('br_live.wav.part', now, 0);
    file('notes.txt', now, 400);
    const sweeper = startRetentionSweeper({ dir, retentionDays: 30, clock: { now: () => now }, timers: new ManualTimers(), logger });
    await until(() => !existsSync(path.join(dir, 'br_old.wav')) && !existsSync(path.join(dir, 'br_crashed.wav.part')));
    await sweeper.stop();
    expect(readdirSync(dir).sort()).toEqual(['br_live.wav.part', 'br_recent.wav', 'notes.txt']);
  });

  it('sweeps again every period as the clock moves on, until stopped', async () => {
    let now = new Date('2030-06-01T12:00:00Z');
    const timers = new ManualTimers();
    file('br_a.wav', now, 6.5);
    const sweeper = startRetentionSweeper({ dir, retentionDays: 7, clock: { now: () => now }, timers, logger, everyMs: 3_600_000 });
    await until(() => timers.pending === 1);
    expect(readdirSync(dir)).toEqual(['br_a.wav']);

    now = new Date(now.getTime() + DAY_MS);
    timers.advance(3_600_000);
    await until(() => readdirSync(dir).length === 0 && timers.pending === 1);

    await sweeper.stop();
    expect(timers.pending).toBe(0);
  });
});
