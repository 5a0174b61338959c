import { createActor, type AnyActorScope, type ExecutableActionsFrom, type InputFrom } from 'xstate';
import type { CaptureMachine } from './machine';
import type { CaptureEvent } from './types';

type CaptureSnapshot = ReturnType<CaptureMachine['resolveState']>;
type Actions = ExecutableActionsFrom<CaptureMachine>[];

/** A machine's inert scope and the list its actions go to during one call. */
interface Held {
  scope: AnyActorScope;
  collected: unknown[];
}

/** One scope per compiled machine: a capture machine invokes no actors, so nothing is left in it between calls. */
const scopes = new WeakMap<CaptureMachine, Held>();

/**
 * xstate's `transition(machine, snapshot, event)` without its cost per call: that function builds an
 * inert actor every time, and the actor computes the machine's initial state on construction (with
 * no input, so the machine's context function throws, caught inside xstate), which showed as a
 * large share of a webhook turn's CPU. The scope here is the same inert one (it runs nothing, it
 * only collects the actions to execute), made once per machine over an actor never started.
 */
export function pureTransition(machine: CaptureMachine, snapshot: CaptureSnapshot, event: CaptureEvent): [CaptureSnapshot, Actions] {
  return collecting(machine, (scope) => machine.transition(snapshot, event, scope));
}

/** xstate's `initialTransition(machine, input)`, on the same scope. */
export function pureInitialTransition(machine: CaptureMachine, input: InputFrom<CaptureMachine>): [CaptureSnapshot, Actions] {
  return collecting(machine, (scope) => machine.getInitialSnapshot(scope, input));
}

function collecting(machine: CaptureMachine, run: (scope: AnyActorScope) => CaptureSnapshot): [CaptureSnapshot, Actions] {
  const held = scopes.get(machine) ?? inertScope(machine);
  // The machine runs synchronously, so the one scope never serves two calls at once.
  const collected: unknown[] = [];
  held.collected = collected;
  try {
    return [run(held.scope), collected as Actions];
  } finally {
    held.collected = [];
  }
}

function inertScope(machine: CaptureMachine): Held {
  // An input only so that the never-started actor's own initial state computes without an error.
  const self = createActor(machine, { input: { locale: '', payment: null } });
  const held: Held = {
    collected: [],
    scope: {
      self,
      id: '',
      sessionId: '',
      logger: () => {},
      defer: () => {},
      emit: () => {},
      system: self.system,
      stopChild: () => {},
      actionExecutor: (action) => {
        held.collected.push(action);
      },
    },
  };
  scopes.set(machine, held);
  return held;
}
