/** Time as the gateway sees it; tests pin it to check expiry rules. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** One-shot timers, so that tests can move time by hand instead of sleeping. */
export interface Timers {
  /** Runs `task` once after `ms`; answers the function that cancels it. */
  after(ms: number, task: () => void): () => void;
}

export const systemTimers: Timers = {
  after(ms, task) {
    const timer = setTimeout(task, ms);
    // A timer alone must not keep a stopping process alive: the sockets it serves do that.
    timer.unref();
    return () => clearTimeout(timer);
  },
};
