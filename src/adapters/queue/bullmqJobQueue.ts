import { Queue, Worker } from 'bullmq';
import { Cluster } from 'ioredis';
import type { RedisTopology } from '../../config/redisTopology';
import type { Logger } from '../../observability/logger';
import type { JobQueue, NewJob, QueuedJob } from '../../ports/jobQueue';
import { fromUrl } from '../store/redisClient';
import { ClosableRedis } from './closableRedis';

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
/**
 * How long ioredis lets a socket it ended close by itself before destroying it (its default: 2 s).
 * After a lost connection it arms this wait on the socket already closed, so every close of a queue
 * that lost Redis kept the process alive this long.
 */
const SOCKET_END_WAIT_MS = 200;
/** A job whose process dies mid-try is taken up again this many times before it counts as failed. */
const MAX_STALLS = 20;

/**
 * BullMQ's client: its worker blocks on Redis, so, unlike the store's fail-fast client, it must retry
 * commands without limit (BullMQ insists on maxRetriesPerRequest: null).
 */
function bullmqClient(topology: RedisTopology): ClosableRedis | Cluster {
  const patient = { maxRetriesPerRequest: null, disconnectTimeout: SOCKET_END_WAIT_MS };
  if (topology.mode === 'single') return new ClosableRedis(topology.url, patient);
  const auth = fromUrl(topology.url);
  if (topology.mode === 'sentinel') {
    return new ClosableRedis({ ...patient, ...auth, sentinels: topology.sentinels.map((a) => ({ ...a })), name: topology.name });
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
  private readonly client: ClosableRedis | Cluster;
  private readonly queue: Queue;
  private worker: Worker | null = null;
  /** Jobs this worker took whose end (done, or failed for now) is not yet written to Redis. */
  private readonly unfinished = new Set<string>();
  private onNoneUnfinished: (() => void) | null = null;

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
        this.unfinished.add(job.id!);
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
    // BullMQ emits these once the try's outcome is in Redis, which is what closing waits for.
    this.worker.on('completed', (job) => this.finished(job.id!));
    this.worker.on('failed', (job) => {
      if (job) this.finished(job.id!);
    });
  }

  /**
   * Lets a try in flight finish, up to `closeWaitMs`; a job cut off keeps its lock and is taken up
   * again after `stalledAfterMs`. Without Redis nothing can be finished cleanly, so nothing is waited
   * for: BullMQ's own close and disconnect wait for a connection that is not coming back.
   *
   * The worker itself is always closed with force, after this queue's own wait. BullMQ's graceful
   * close waits for its fetch loop, which waits for Redis, and only then stops the lock renewal and
   * stalled-job timers; when Redis went away (even during the close) those timers ran on for good
   * and kept a stopped gateway's process alive. A close already under way cannot be forced later.
   */
  async close(): Promise<void> {
    const worker = this.worker;
    if (worker && this.client.status === 'ready') {
      const tries = (async () => {
        // Paused without waiting: it takes no new job, while the tries in flight go on.
        await worker.pause(true);
        await this.noneUnfinished();
      })();
      await withDeadline(tries, this.options.closeWaitMs);
    }
    const closed = await withDeadline(Promise.allSettled([this.worker?.close(true), this.queue.close()]), FORCED_CLOSE_WAIT_MS);
    // A forced close ends the worker's own blocking connection; the other one is the shared client,
    // ended below. BullMQ's disconnect waits for an 'end' that a client retrying a lost Redis never
    // emits, so it is only the fallback when the close itself did not finish.
    if (!closed) await withDeadline(Promise.allSettled([this.worker?.disconnect(), this.queue.disconnect()]), FORCED_CLOSE_WAIT_MS);
    // That disconnect may have ended the shared client already. Ending an ended client again starts
    // ioredis's timer for "a socket still open", which nothing clears: it kept a stopped process alive.
    if (this.client.status !== 'end') this.client.disconnect();
    if (this.client instanceof ClosableRedis) this.client.settleStranded();
  }

  private finished(jobId: string): void {
    this.unfinished.delete(jobId);
    if (this.unfinished.size === 0) this.onNoneUnfinished?.();
  }

  /** Resolves once no try is in flight. */
  private noneUnfinished(): Promise<void> {
    if (this.unfinished.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.onNoneUnfinished = resolve;
    });
  }

  /** `<REDIS_KEY_PREFIX>{jobs}`: one hash tag for every key of every queue. */
  private prefix(): string {
    return `${this.options.keyPrefix}{jobs}`;
  }
}

/** Waits for `work`, or for `ms` if that comes first; tells whether `work` ended in time. */
async function withDeadline(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const ended = await Promise.race([work.then(() => true, () => true), deadline]);
  clearTimeout(timer);
  return ended;
}
