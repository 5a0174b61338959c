import { Queue, Worker } from 'bullmq';
import Redis, { Cluster } from 'ioredis';
import type { RedisTopology } from '../../config/redisTopology';
import type { Logger } from '../../observability/logger';
import type { JobQueue, NewJob, QueuedJob } from '../../ports/jobQueue';
import { fromUrl } from '../store/redisClient';

export interface BullmqJobQueueOptions {
  /** BullMQ's queue name; a queue per kind of job. */
  name: string;
  /** The gateway's REDIS_KEY_PREFIX; the queue's keys follow it. */
  keyPrefix: string;
  /** Waits before each retry, in order. */
  retryDelaysMs: readonly number[];
  /** After how long a job whose worker died (lock not renewed) is taken up again. */
  stalledAfterMs: number;
  concurrency: number;
  /** How long closing waits for tries in flight (a little over one try's time-out). */
  closeWaitMs: number;
  logger: Logger;
}

/** Finished jobs are kept this long, so that adding the same id again in that time does nothing. */
const KEEP_FINISHED_SECONDS = 2 * 86_400;
/** How long a forced disconnect may take before it is left behind. */
const FORCED_CLOSE_WAIT_MS = 1000;
/** A job whose process dies mid-try is taken up again this many times before it counts as failed. */
const MAX_STALLS = 20;

/**
 * BullMQ's client: its worker blocks on Redis, so, unlike the store's fail-fast client, it must retry
 * commands without limit (BullMQ insists on maxRetriesPerRequest: null).
 */
function bullmqClient(topology: RedisTopology): Redis | Cluster {
  const patient = { maxRetriesPerRequest: null };
  if (topology.mode === 'single') return new Redis(topology.url, patient);
  const auth = fromUrl(topology.url);
  if (topology.mode === 'sentinel') {
    return new Redis({ ...patient, ...auth, sentinels: topology.sentinels.map((a) => ({ ...a })), name: topology.name });
  }
  return new Cluster(topology.nodes.map((a) => ({ ...a })), { redisOptions: { ...patient, ...auth } });
}

/**
 * A durable job queue on Redis through BullMQ. Its keys sit under the gateway's prefix with a
 * `{…}` hash tag, so that in a Redis Cluster every key of the queue lands in one slot, as BullMQ's
 * scripts need. A try whose process is killed keeps its lock until `stalledAfterMs`, then any
 * gateway's worker takes the job up again: a restart loses no job.
 */
export class BullmqJobQueue implements JobQueue {
  readonly durable = true;
  private readonly client: Redis | Cluster;
  private readonly queue: Queue;
  private worker: Worker | null = null;

  constructor(
    topology: RedisTopology,
    private readonly options: BullmqJobQueueOptions,
  ) {
    this.client = bullmqClient(topology);
    this.client.on('error', (error: Error) => options.logger.warn('job queue: Redis error', { queue: options.name, error: error.message }));
    this.queue = new Queue(options.name, { connection: this.client, prefix: this.prefix() });
    this.queue.on('error', (error) => options.logger.warn('job queue error', { queue: options.name, error: error.message }));
  }

  async add(job: NewJob): Promise<void> {
    await this.queue.add(job.name, job.data, {
      jobId: job.id,
      attempts: this.options.retryDelaysMs.length + 1,
      backoff: { type: 'custom' },
      removeOnComplete: { age: KEEP_FINISHED_SECONDS },
      removeOnFail: { age: KEEP_FINISHED_SECONDS },
    });
  }

  process(handler: (job: QueuedJob) => Promise<void>): void {
    const delays = this.options.retryDelaysMs;
    this.worker = new Worker(
      this.options.name,
      async (job) => {
        const attempt = job.attemptsMade + 1;
        await handler({ id: job.id!, name: job.name, data: job.data, attempt, finalAttempt: attempt >= (job.opts.attempts ?? 1) });
      },
      {
        connection: this.client,
        prefix: this.prefix(),
        concurrency: this.options.concurrency,
        lockDuration: this.options.stalledAfterMs,
        stalledInterval: Math.max(500, Math.floor(this.options.stalledAfterMs / 2)),
        maxStalledCount: MAX_STALLS,
        settings: { backoffStrategy: (attemptsMade: number) => delays[Math.min(attemptsMade, delays.length) - 1] ?? 0 },
      },
    );
    this.worker.on('error', (error) => this.options.logger.warn('job queue worker error', { queue: this.options.name, error: error.message }));
  }

  /**
   * Lets a try in flight finish, up to `closeWaitMs`; a job cut off keeps its lock and is taken up
   * again after `stalledAfterMs`. Without Redis nothing can be finished cleanly, so nothing is waited
   * for: BullMQ's own close and disconnect wait for a connection that is not coming back.
   */
  async close(): Promise<void> {
    const graceful = (async () => {
      await this.worker?.close();
      await this.queue.close();
    })();
    graceful.catch(() => undefined);
    if (this.client.status === 'ready') await withDeadline(graceful, this.options.closeWaitMs);
    await withDeadline(Promise.allSettled([this.worker?.disconnect(), this.queue.disconnect()]), FORCED_CLOSE_WAIT_MS);
    // BullMQ's disconnect usually ends the shared client already. Ending an ended client again starts
    // ioredis's 2 s timer for "a socket still open", which nothing clears: it kept a stopped process alive.
    if (this.client.status !== 'end') this.client.disconnect();
  }

  /** `<REDIS_KEY_PREFIX>{jobs}`: one hash tag for every key of every queue. */
  private prefix(): string {
    return `${this.options.keyPrefix}{jobs}`;
  }
}

/** Waits for `work`, or for `ms` if that comes first. */
async function withDeadline(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  await Promise.race([work.then(() => undefined, () => undefined), deadline]);
  clearTimeout(timer);
}
