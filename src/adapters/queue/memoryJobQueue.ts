import type { JobQueue, NewJob, QueuedJob } from '../../ports/jobQueue';
import { systemTimers, type Timers } from '../../ports/clock';

/**
 * The job queue of a gateway on the embedded memory store: jobs live in this process only, and a
 * restart loses those not yet done. Retries wait `retryDelaysMs` in turn.
 */
export class MemoryJobQueue implements JobQueue {
  readonly durable = false;
  private handler: ((job: QueuedJob) => Promise<void>) | null = null;
  private readonly waiting: NewJob[] = [];
  /** Ids of jobs not yet finished, so that adding one again does nothing (as BullMQ does). */
  private readonly live = new Set<string>();
  private readonly cancels = new Map<string, () => void>();
  private readonly running = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly retryDelaysMs: readonly number[],
    private readonly timers: Timers = systemTimers,
  ) {}

  async add(job: NewJob): Promise<void> {
    if (this.closed || this.live.has(job.id)) return;
    this.live.add(job.id);
    if (this.handler) this.run(job, 1);
    else this.waiting.push(job);
  }

  process(handler: (job: QueuedJob) => Promise<void>): void {
    this.handler = handler;
    for (const job of this.waiting.splice(0)) this.run(job, 1);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const cancel of this.cancels.values()) cancel();
    this.cancels.clear();
    await Promise.allSettled([...this.running]);
  }

  private run(job: NewJob, attempt: number): void {
    const finalAttempt = attempt > this.retryDelaysMs.length;
    const running = this.handler!({ ...job, attempt, finalAttempt }).then(
      () => {
        this.live.delete(job.id);
      },
      () => {
        if (finalAttempt || this.closed) {
          this.live.delete(job.id);
          return;
        }
        const cancel = this.timers.after(this.retryDelaysMs[attempt - 1]!, () => {
          this.cancels.delete(job.id);
          this.run(job, attempt + 1);
        });
        this.cancels.set(job.id, cancel);
      },
    );
    this.running.add(running);
    void running.finally(() => this.running.delete(running));
  }
}
