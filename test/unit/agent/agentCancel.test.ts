import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initialTransition, transition } from 'xstate';
import { createCaptureMachine, STATE } from '../../../src/core/capture/machine';
import type { CaptureEvent } from '../../../src/core/capture/types';
import { parseFlow } from '../../../src/core/flows/loadFlows';

const FLOW = parseFlow(readFileSync(join(__dirname, '../../../flows/agent-assisted.json'), 'utf8'), 'flows/agent-assisted.json');
const machine = createCaptureMachine(FLOW);
const AT = '2025-06-15T12:00:00.000Z';
const keys = (digits: string): CaptureEvent => ({ type: 'dtmf.entered', digits, at: AT });
const CANCEL: CaptureEvent = { type: 'agent.canceled' };

function play(events: CaptureEvent[]) {
  let [snapshot] = initialTransition(machine, { locale: 'en-US', payment: { id: 'pay_x', amount: '1.00', currency: 'USD', description: null } });
  let emitted: unknown[] = [];
  for (const event of events) {
    const [next, actions] = transition(machine, snapshot, event);
    snapshot = next;
    emitted = (actions as Array<{ type: string; params?: { event: unknown } }>).filter((a) => a.type === 'xstate.emit').map((a) => a.params!.event);
  }
  return { snapshot, emitted };
}

describe("the agent's cancel in the capture machine", () => {
  const CARD = '4242424242424242';
  it.each([
    ['at the card number', []],
    ['while waiting for the agent', [keys(CARD)]],
    ['at the expiry', [keys(CARD), { type: 'agent.confirmed' } as CaptureEvent]],
    ['at the confirmation', [keys(CARD), { type: 'agent.confirmed' } as CaptureEvent, keys('1230'), keys('123')]],
  ])('cancels %s and wipes every field from the vault', (_what, before) => {
    const { snapshot, emitted } = play([...before, CANCEL]);
    expect(snapshot.value).toBe(STATE.canceled);
    expect(snapshot.status).toBe('done');
    expect(emitted).toEqual([{ type: 'vault.discard', fields: ['cardNumber', 'expiry', 'securityCode', 'postalCode'] }]);
  });

  it('does not cancel a charge already on its way, nor an approved payment', () => {
    const toCharge = [keys(CARD), { type: 'agent.confirmed' } as CaptureEvent, keys('1230'), keys('123'), keys('1')];
    expect(play([...toCharge, CANCEL]).snapshot.value).toBe(STATE.processing);
    expect(play([...toCharge, { type: 'processor.approved', reference: 'r1' }, CANCEL]).snapshot.value).toBe(STATE.succeeded);
  });

  it('leaves an ended capture as it ended', () => {
    const { snapshot } = play([keys('*'), CANCEL]);
    expect(snapshot.value).toBe(STATE.canceled);
    const hungUp = play([{ type: 'call.hungUp' }, CANCEL]).snapshot;
    expect(hungUp.value).toBe(STATE.hungUp);
  });
});
