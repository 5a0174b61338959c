import type { Clock } from '../../src/ports/clock';

/**
 * The real clock, moved ahead by the test instead of by waiting: time still runs between two moves, so
 * timers and deadlines that read it keep going. (payLinks.ts's ManualClock is the stopped one.)
 */
export class RunningClock implements Clock {
  private offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}
