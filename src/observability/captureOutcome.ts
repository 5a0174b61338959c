import type { CaptureOutcomeKind, StateMeaning } from '../core/capture/meaning';
import type { CaptureContext } from '../core/capture/types';

/** How a capture ended, as the metrics count it; `code` is the failure code when there is one. */
export interface CaptureOutcome {
  outcome: CaptureOutcomeKind;
  code: string | null;
}

/**
 * The outcome when the step from `before` to `after` ends a capture of a payment, else null. An
 * approved payment is over at the approval; the caller hanging up afterwards does not count it a
 * second time, and a call that never named a payment is not a capture.
 */
export function captureOutcome(before: StateMeaning, after: StateMeaning, context: CaptureContext): CaptureOutcome | null {
  const outcome = after.outcome;
  if (!outcome || before.outcome || !context.payment) return null;
  const code = outcome === 'succeeded' || outcome === 'canceled' ? null : context.failure?.code ?? null;
  return { outcome, code };
}
