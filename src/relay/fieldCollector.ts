import type { CaptureField } from '../core/flows/schema';
import type { Timers } from '../ports/clock';

export interface FieldCollectorDeps {
  timers: Timers;
  /** The field's inter-digit timeout (the flow's `timeoutSeconds`), in ms. */
  timeoutMs(field: CaptureField): number;
  /** A finished field: its keys, whole and without the `#`, handed over once as a `<Gather>` would. */
  submit(field: CaptureField, digits: string): void;
  /** The timeout passed with no key typed at all. */
  timedOut(field: CaptureField): void;
  /** How many keys the field holds now: progress for the agent, never the keys themselves. */
  progress(field: CaptureField, keys: number): void;
}

/** Longer than any field may be (the capture refuses over 40 keys): what is typed beyond is counted, not kept. */
const MAX_KEPT = 48;
const KEYPAD = /^[0-9*#]$/;

/**
 * Collects the caller's keys for the one field the agent asked for, per call and in this process
 * only. The keys live in a byte buffer that is zeroed when the field is handed over, closed or
 * stopped; keys arriving while no field is asked are dropped unseen. A field ends on `#`, or when
 * no key arrives within its timeout (the timer starts when the field opens and again at each key).
 */
export class FieldCollector {
  private readonly buffer = new Uint8Array(MAX_KEPT);
  private field: CaptureField | null = null;
  private count = 0;
  private cancelTimer: (() => void) | null = null;
  private stopped = false;

  constructor(private readonly deps: FieldCollectorDeps) {}

  /** The field whose keys are collected now, or null. */
  get asking(): CaptureField | null {
    return this.field;
  }

  /** The capture asks for `field` (again): anything held is wiped and the field starts empty. */
  open(field: CaptureField): void {
    if (this.stopped) return;
    this.close();
    this.field = field;
    this.arm();
  }

  /** No field is asked any more: what was typed is wiped, unsent. */
  close(): void {
    this.cancelTimer?.();
    this.cancelTimer = null;
    this.buffer.fill(0);
    this.count = 0;
    this.field = null;
  }

  /** The stream ended: wiped, and nothing opens again. */
  stop(): void {
    this.close();
    this.stopped = true;
  }

  /** One key from the caller's stream, each press reported once. */
  key(key: string): void {
    const field = this.field;
    if (!field || !KEYPAD.test(key)) return;
    if (key === '#') {
      this.finish(field);
      return;
    }
    if (this.count < MAX_KEPT) this.buffer[this.count] = key.charCodeAt(0);
    this.count += 1;
    this.arm();
    this.deps.progress(field, this.count);
  }

  private arm(): void {
    const field = this.field!;
    this.cancelTimer?.();
    this.cancelTimer = this.deps.timers.after(this.deps.timeoutMs(field), () => {
      this.cancelTimer = null;
      if (this.count > 0) this.finish(field);
      else {
        this.close();
        this.deps.timedOut(field);
      }
    });
  }

  private finish(field: CaptureField): void {
    const digits = String.fromCharCode(...this.buffer.subarray(0, Math.min(this.count, MAX_KEPT)));
    this.close();
    this.deps.submit(field, digits);
  }
}
