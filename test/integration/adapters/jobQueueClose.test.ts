import { createHook } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { BullmqJobQueue } from '../../../src/adapters/queue/bullmqJobQueue';
import { createLogger } from '../../../src/observability/logger';
import { eventually } from '../../support/eventually';
import { REDIS_URL } from '../../support/harness';
import { startRedisServer } from '../../support/privateRedis';

/** The queue's own code and its libraries; jest's reporter starts timers of its own in this process. */
const OURS = /\/src\/|ioredis|bullmq/;

/** Records the timers the queue started that are still pending and would keep the process alive. */
function watchTimers(): { pending(): string[]; stop(): void } {
  const started = new Map<number, { timer: NodeJS.Timeout; stack: string }>();
  const hook = createHook({
    init(id, type, _trigger, resource) {
      if (type !== 'Timeout') return;
      const stack = new Error().stack ?? '';
      if (OURS.test(stack)) started.set(id, { timer: resource as NodeJS.Timeout, stack });
    },
    destroy(id) {
      started.delete(id);
    },
  }).enable();
  return {
    pending: () => [...started.values()].filter(({ timer }) => timer.hasRef()).map(({ stack }) => stack),
    stop: () => hook.disable(),
  };
}

/**
 * Waits up to `ms` for the queue's timers to be gone; the assertion after it names any left. Polled,
 * as sockets close a moment after `close` returns and Node reports a cleared timer a turn later.
 */
async function waitForTimers(timers: { pending(): string[] }, ms: number): Promise<void> {
  await eventually(() => timers.pending().length === 0, ms, 'the queue to stop its timers').catch(() => undefined);
}

/** A queue on `url` whose worker runs `handler` (by default, finishes every job at once). */
function startQueue(url: string, keyPrefix = `test:queue:${randomBytes(6).toString('hex')}:`, handler = async () => undefined): BullmqJobQueue {
  const queue = new BullmqJobQueue(
    { mode: 'single', url },
    {
      name: 'close-test',
      keyPrefix,
      retryDelaysMs: [100],
      stalledAfterMs: 30_000,
      concurrency: 1,
      closeWaitMs: 1000,
      logger: createLogger({ level: 'error' }),
    },
  );
  queue.process(handler);
  return queue;
}

/** Whether a client of the Redis on `port` is blocked in BZPOPMIN, BullMQ's wait for a job. */
async function blockingReadOn(port: number): Promise<boolean> {
  const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await probe.connect();
    return String(await probe.client('LIST')).includes('cmd=bzpopmin');
  } finally {
    probe.disconnect();
  }
}

/** How many of each kind of handle (socket, timer, …) keep the process alive. */
function countHandles(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

/** The kinds of handle there are more of now than `before` (jest and the test's Redis probe have their own). */
function grownSince(before: Map<string, number>): string[] {
  return [...countHandles()].filter(([kind, n]) => n > (before.get(kind) ?? 0)).map(([kind]) => kind);
}

describe('a BullMQ job queue', () => {
  it('closes promptly and leaves nothing running when its Redis is gone', async () => {
    const redis = await startRedisServer();
    const before = countHandles();
    const timers = watchTimers();
    try {
      const queue = startQueue(`redis://127.0.0.1:${redis.port}`);
      await queue.add({ id: 'job-1', name: 'deliver', data: {} });
      // Redis goes while the worker waits for the next job: BullMQ's blocking read is in flight.
      await eventually(() => blockingReadOn(redis.port), 5000, "the worker's blocking read");
      await redis.stop();
      const started = Date.now();
      await queue.close();
      // Without Redis nothing is waited for; the forced disconnects take at most a second.
      expect(Date.now() - started).toBeLessThan(3000);
      // BullMQ's worker renewed its locks and looked for stalled jobs on timers until Redis came back,
      // which it never did: a gateway closed after losing Redis kept its process alive for good.
      await waitForTimers(timers, 1000);
      expect(timers.pending()).toEqual([]);
      expect(grownSince(before)).toEqual([]);
    } finally {
      timers.stop();
      await redis.stop();
    }
  });

  it('lets a try in flight finish and records it as done before it closes', async () => {
    const keyPrefix = `test:queue:${randomBytes(6).toString('hex')}:`;
    let started!: () => void;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    let finished = false;
    const queue = startQueue(REDIS_URL, keyPrefix, async () => {
      started();
      await new Promise((resolve) => setTimeout(resolve, 200));
      finished = true;
    });
    const bullmq = new Queue('close-test', { connection: { url: REDIS_URL }, prefix: `${keyPrefix}{jobs}` });
    try {
      await queue.add({ id: 'job-1', name: 'deliver', data: {} });
      await running;
      await queue.close();
      expect(finished).toBe(true);
      // Done in Redis, not left active with a lock for another gateway to take up again.
      expect(await bullmq.getJobState('job-1')).toBe('completed');
    } finally {
      await bullmq.close();
    }
  });

  it('leaves no timer behind when it closes, so a gateway that stops lets its process end', async () => {
    const timers = watchTimers();
    try {
      const queue = new BullmqJobQueue(
        { mode: 'single', url: REDIS_URL },
        {
          name: 'close-test',
          keyPrefix: `test:queue:${randomBytes(6).toString('hex')}:`,
          retryDelaysMs: [100],
          stalledAfterMs: 30_000,
          concurrency: 1,
          closeWaitMs: 1000,
          logger: createLogger({ level: 'error' }),
        },
      );
      queue.process(async () => undefined);
      await queue.add({ id: 'job-1', name: 'deliver', data: {} });
      await queue.close();
      // The worker's connections finish closing just after; ioredis clears each one's "destroy the
      // socket still open" timer once its socket is closed. Ending an ended client again armed that
      // timer on a socket already closed, where it ran its full 2 s: every stopped gateway's process
      // stayed up that long.
      await waitForTimers(timers, 1000);
      expect(timers.pending()).toEqual([]);
    } finally {
      timers.stop();
    }
  });
});
