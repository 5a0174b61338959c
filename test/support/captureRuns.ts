/** Plays events through the capture machine's pure `transition`, for the model suites. */
import { initialTransition, transition, type SnapshotFrom } from 'xstate';
import type { CaptureMachine } from '../../src/core/capture/machine';
import type { CaptureEmitted, CaptureEvent, CaptureInput } from '../../src/core/capture/types';

export type CaptureSnapshot = SnapshotFrom<CaptureMachine>;

/** The events a transition's actions emit, in order. */
export function emittedBy(actions: ReadonlyArray<{ type: string; params?: unknown }>): CaptureEmitted[] {
  return actions.filter((a) => a.type === 'xstate.emit').map((a) => (a.params as { event: CaptureEmitted }).event);
}

export interface CaptureRun {
  snapshot: CaptureSnapshot;
  /** The snapshot after each event, in order. */
  snapshots: CaptureSnapshot[];
  /** What each event emitted, in order. */
  emitted: CaptureEmitted[][];
}

/** Plays events one transition at a time from the machine's start, exactly as the turn runner does one webhook at a time. */
export function playCapture(machine: CaptureMachine, events: CaptureEvent[], input: CaptureInput): CaptureRun {
  let [snapshot] = initialTransition(machine, input);
  const snapshots: CaptureSnapshot[] = [];
  const emitted: CaptureEmitted[][] = [];
  for (const event of events) {
    const [next, actions] = transition(machine, snapshot, event);
    snapshot = next;
    snapshots.push(next);
    emitted.push(emittedBy(actions));
  }
  return { snapshot, snapshots, emitted };
}
