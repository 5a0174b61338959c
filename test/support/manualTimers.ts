import type { Timers } from '../../src/ports/clock';

/** Timers that fire only when a test moves time on: deterministic, and no test waits for real time. */
export class ManualTimers implements Timers {
  private now = 0;
  private readonly due: Array<{ at: number; task: () => void; id: number }> = [];
  private nextId = 0;

  after(ms: number, task: () => void): () => void {
    const id = (this.nextId += 1);
    this.due.push({ at: this.now + ms, task, id });
    return () => {
      const index = this.due.findIndex((t) => t.id === id);
      if (index >= 0) this.due.splice(index, 1);
    };
  }

  /** Timers still waiting to fire. */
  get pending(): number {
    return this.due.length;
  }

  /** Moves time on by `ms`, running every timer that falls due, in order. */
  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      this.due.sort((a, b) => a.at - b.at || a.id - b.id);
      const next = this.due[0];
      if (!next || next.at > until) break;
      this.due.shift();
      this.now = next.at;
      next.task();
    }
    this.now = until;
  }
}
