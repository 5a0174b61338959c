import { z } from 'zod';
import { intWithDefault, optional } from './fields';

/** Settings of merchant event webhooks: how long and how often a delivery is tried. */
export interface WebhookSettings {
  /** Waits before each retry of a failed delivery, in order; their sum is how long an event is tried. */
  readonly retryDelaysMs: readonly number[];
  /** How long one attempt may take before it counts as failed. */
  readonly attemptTimeoutMs: number;
  /** With Redis: after how long a delivery whose process died is taken up by another (BullMQ's lock). */
  readonly stalledAfterMs: number;
  /** How often pending payments are checked for having run out of time. */
  readonly expiryCheckIntervalMs: number;
}

/** Standard Webhooks' suggested schedule: a little over a day in all. */
const DEFAULT_RETRY_DELAYS = '5s,5m,30m,2h,5h,10h,10h';
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const MAX_RETRIES = 30;

/** "5s,5m,2h" → milliseconds; null when an entry is not a whole number with a unit. */
function parseDelays(list: string): number[] | null {
  const delays: number[] = [];
  for (const entry of list.split(',')) {
    const m = /^(\d{1,7})(ms|s|m|h)$/.exec(entry.trim());
    if (!m) return null;
    delays.push(Number(m[1]) * UNIT_MS[m[2]!]!);
  }
  return delays;
}

/** WEBHOOK_RETRY_DELAYS, WEBHOOK_TIMEOUT_MS, WEBHOOK_STALLED_MS and PAYMENT_EXPIRY_CHECK_MS. */
export const webhooksSchema = z
  .object({
    WEBHOOK_RETRY_DELAYS: optional(
      z
        .string()
        .refine((s) => {
          const delays = parseDelays(s);
          return delays !== null && delays.length <= MAX_RETRIES;
        }, `must be at most ${MAX_RETRIES} comma-separated durations such as 5s,5m,2h (units ms, s, m, h)`),
    ),
    WEBHOOK_TIMEOUT_MS: intWithDefault(10_000, 100, 60_000),
    WEBHOOK_STALLED_MS: intWithDefault(30_000, 1000, 600_000),
    PAYMENT_EXPIRY_CHECK_MS: intWithDefault(15_000, 50, 600_000),
  })
  .transform(
    (v): WebhookSettings =>
      Object.freeze({
        retryDelaysMs: Object.freeze(parseDelays(v.WEBHOOK_RETRY_DELAYS ?? DEFAULT_RETRY_DELAYS)!),
        attemptTimeoutMs: v.WEBHOOK_TIMEOUT_MS,
        stalledAfterMs: v.WEBHOOK_STALLED_MS,
        expiryCheckIntervalMs: v.PAYMENT_EXPIRY_CHECK_MS,
      }),
  );
