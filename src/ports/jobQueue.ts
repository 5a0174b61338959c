/** A job as its handler sees it. */
export interface QueuedJob {
  /** Stable across the job's attempts; adding another job with the same id while it exists does nothing. */
  id: string;
  name: string;
  data: unknown;
  /** 1 on the first try. */
  attempt: number;
  /** True when a failure of this try is the last: nothing retries it. */
  finalAttempt: boolean;
}

export interface NewJob {
  id: string;
  name: string;
  /** Plain JSON: it may be stored. */
  data: unknown;
}

/**
 * Work done at least once, outside the request that asked for it, retried on a fixed schedule when
 * its handler throws. A durable queue keeps its jobs across restarts of every process.
 */
export interface JobQueue {
  readonly durable: boolean;
  add(job: NewJob): Promise<void>;
  /** Starts running jobs through `handler`; a throw or rejection schedules the next try. */
  process(handler: (job: QueuedJob) => Promise<void>): void;
  /** Stops taking jobs and waits for those running; with a durable queue, unfinished ones stay queued. */
  close(): Promise<void>;
}
