/**
 * Deletes recordings older than the retention period: once at start, then every `everyMs`. Age is
 * the file's last write, so a call still being recorded is never old; a `.part` file left by a crash
 * stops being written and goes with the rest once its time is up.
 */
import { readdir, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../../observability/logger';
import type { Clock, Timers } from '../../ports/clock';
import { FINISHED_SUFFIX, RECORDING_ID, UNFINISHED_SUFFIX } from './callRecorder';

export interface RetentionSweeperDeps {
  dir: string;
  retentionDays: number;
  clock: Clock;
  timers: Timers;
  logger: Logger;
  /** How often to sweep (default hourly). */
  everyMs?: number;
}

export interface RetentionSweeper {
  /** Sweeps now; resolves with how many files it deleted. */
  sweep(): Promise<number>;
  /** Stops the periodic sweeps; resolves once a sweep under way has finished. */
  stop(): Promise<void>;
}

const DAY_MS = 86_400_000;

/** Only files the recorder writes are ever deleted: anything else an operator keeps in the folder stays. */
function recordingFile(name: string): boolean {
  const suffix = name.endsWith(UNFINISHED_SUFFIX) ? UNFINISHED_SUFFIX : name.endsWith(FINISHED_SUFFIX) ? FINISHED_SUFFIX : null;
  return suffix !== null && RECORDING_ID.test(name.slice(0, -suffix.length));
}

export function startRetentionSweeper(deps: RetentionSweeperDeps): RetentionSweeper {
  const everyMs = deps.everyMs ?? 3_600_000;
  let stopped = false;
  let cancel: (() => void) | null = null;
  let running: Promise<number> = Promise.resolve(0);

  async function sweepOnce(): Promise<number> {
    const oldest = deps.clock.now().getTime() - deps.retentionDays * DAY_MS;
    let deleted = 0;
    for (const name of await readdir(deps.dir)) {
      if (!recordingFile(name)) continue;
      const file = path.join(deps.dir, name);
      try {
        const stats = await stat(file);
        if (stats.isFile() && stats.mtime.getTime() < oldest) {
          await unlink(file);
          deleted += 1;
        }
      } catch (error) {
        // Gone already (another process sweeping the same folder): nothing to do.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    if (deleted > 0) deps.logger.info('old recordings deleted', { deleted, retentionDays: deps.retentionDays });
    return deleted;
  }

  const sweep = (): Promise<number> => {
    running = running.then(sweepOnce, sweepOnce);
    return running;
  };

  const schedule = () => {
    if (stopped) return;
    cancel = deps.timers.after(everyMs, () => {
      sweep()
        .catch((error: unknown) => deps.logger.error('sweeping old recordings failed', { error }))
        .finally(schedule);
    });
  };

  sweep()
    .catch((error: unknown) => deps.logger.error('sweeping old recordings failed', { error }))
    .finally(schedule);

  return {
    sweep,
    async stop() {
      stopped = true;
      cancel?.();
      await running.catch(() => undefined);
    },
  };
}
