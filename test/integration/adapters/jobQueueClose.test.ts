import { createHook } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { BullmqJobQueue } from '../../../src/adapters/queue/bullmqJobQueue';
import { createLogger } from '../../../src/observability/logger';
import { REDIS_URL } from '../../support/harness';

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

describe('a BullMQ job queue', () => {
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
      // Node reports cleared timers to async hooks on its next turn.
      await new Promise((resolve) => setImmediate(resolve));
      // BullMQ's disconnect already ends the shared client; ending it again started ioredis's 2 s
      // "destroy the socket still open" timer, which held every stopped gateway's process that long.
      expect(timers.pending()).toEqual([]);
    } finally {
      timers.stop();
    }
  });
});
