import type { StoredState } from '../capture/callSession';
import { STATE } from '../capture/machine';

/** How a capture ended, as the metrics count it; `code` is the failure code when there is one. */
export interface CaptureOutcome {
  outcome: 'succeeded' | 'failed' | 'canceled' | 'hung_up';
  code: string | null;
}

const OUTCOME_BY_STATE: Record<string, CaptureOutcome['outcome']> = {
  [STATE.succeeded]: 'succeeded',
  [STATE.completed]: 'succeeded',
  [STATE.failed]: 'failed',
  [STATE.hungUp]: 'hung_up',
  [STATE.canceled]: 'canceled',
};

/**
 * The outcome when the step from `before` to `after` ends a capture of a payment, else null. An
 * approved payment is over at `succeeded`; the caller hanging up afterwards (`completed`) does
 * not count it a second time, and a call that never named a payment is not a capture.
 */
export function captureOutcome(before: StoredState, after: StoredState): CaptureOutcome | null {
  const outcome = OUTCOME_BY_STATE[after.value];
  if (!outcome || OUTCOME_BY_STATE[before.value] || !after.context.payment) return null;
  const code = outcome === 'succeeded' || outcome === 'canceled' ? null : after.context.failure?.code ?? null;
  return { outcome, code };
}
