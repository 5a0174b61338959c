import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initialTransition, transition } from 'xstate';
import { createCaptureMachine } from '../../../../src/core/capture/machine';
import { pureInitialTransition, pureTransition } from '../../../../src/core/capture/pureTransition';
import type { CaptureEvent } from '../../../../src/core/capture/types';
import { parseFlow } from '../../../../src/core/flows/loadFlows';

const FLOW = parseFlow(readFileSync(join(__dirname, '../../../../flows/agent-assisted.json'), 'utf8'), 'flows/agent-assisted.json');
const machine = createCaptureMachine(FLOW);
const AT = '2025-06-15T12:00:00.000Z';
const keys = (digits: string): CaptureEvent => ({ type: 'dtmf.entered', digits, at: AT });
const INPUT = { locale: 'en-US', payment: { id: 'pay_x', amount: '1.00', currency: 'USD', description: null } };
/** A capture through mistakes, a vault write per field, a correction and a decline: every kind of action. */
const EVENTS: CaptureEvent[] = [
  keys('12'),
  keys('4242424242424242'),
  { type: 'agent.reenter' },
  keys('4242424242424242'),
  { type: 'agent.confirmed' },
  keys('1399'),
  keys('1230'),
  keys('123'),
  keys('1'),
  { type: 'processor.declined', code: 'card_declined', message: 'declined' },
  keys('1'),
];

const shape = ([snapshot, actions]: [{ value: unknown; context: unknown; status: string }, Array<{ type: string; params?: unknown }>]) => ({
  value: snapshot.value,
  context: snapshot.context,
  status: snapshot.status,
  actions: actions.map((a) => ({ type: a.type, params: a.params })),
});
const emits = (actions: unknown[]) => (actions as Array<{ type: string; params?: { event: { type: string } } }>).filter((a) => a.type === 'xstate.emit');

describe('the capture machine run on one inert scope per machine', () => {
  it("gives xstate's own initial state, next states and actions, turn by turn", () => {
    let ours = pureInitialTransition(machine, INPUT);
    let theirs = initialTransition(machine, INPUT);
    expect(shape(ours)).toEqual(shape(theirs));
    const emitted: string[] = [];
    for (const event of EVENTS) {
      ours = pureTransition(machine, ours[0], event);
      theirs = transition(machine, theirs[0], event);
      expect(shape(ours)).toEqual(shape(theirs));
      emitted.push(...emits(ours[1]).map((a) => a.params!.event.type));
    }
    // The comparison covered actions: the run emitted vault writes and discards.
    expect(emitted).toEqual(expect.arrayContaining(['vault.put', 'vault.discard']));
  });

  it("keeps no action of one call in the next call's list", () => {
    const [start] = pureInitialTransition(machine, INPUT);
    const [, first] = pureTransition(machine, start, keys('4242424242424242'));
    const [, second] = pureTransition(machine, start, keys('12'));
    expect(emits(first).length).toBeGreaterThan(0);
    expect(emits(second)).toEqual([]);
  });
});
