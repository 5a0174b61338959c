/**
 * Waiting for a condition over state that changes as messages arrive (a simulated call's events, a media
 * stream's messages): the owner calls `changed()` after each change, and every waiter checks again then,
 * so nothing polls.
 */
export class ChangeWaiters {
  private readonly checks = new Set<() => void>();

  /** Resolves once `condition` holds (at once when it already does); rejects with `timedOut()` after `timeoutMs`. */
  async until(condition: () => boolean, timeoutMs: number, timedOut: () => Error): Promise<void> {
    if (condition()) return;
    await new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (!condition()) return;
        clearTimeout(timer);
        this.checks.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.checks.delete(check);
        reject(timedOut());
      }, timeoutMs);
      this.checks.add(check);
    });
  }

  /** Calls `check` after every change, until the returned function is called. */
  watch(check: () => void): () => void {
    this.checks.add(check);
    return () => this.checks.delete(check);
  }

  changed(): void {
    for (const check of [...this.checks]) check();
  }
}
