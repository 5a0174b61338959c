import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initialTransition, transition } from 'xstate';
import { paymentEvent } from '../../../src/agent/bridge/maskedEvents';
import type { Bridge } from '../../../src/agent/bridge/bridge';
import type { CallSession } from '../../../src/core/capture/callSession';
import { createCaptureMachine } from '../../../src/core/capture/machine';
import { meaningOf } from '../../../src/core/capture/meaning';
import { projectPayment } from '../../../src/core/capture/projection';
import { flowSchema } from '../../../src/core/flows/schema';

const AT = '2026-06-15T12:00:00.000Z';
const ZIP = '94103';
const flow = flowSchema.parse({ ...JSON.parse(readFileSync(join(__dirname, '../../../flows/default.json'), 'utf8')), postalCode: { country: 'US' } });
const machine = createCaptureMachine(flow);

/** A capture of this flow after the given keys, as its stored session. */
function sessionAfter(typed: string[]): CallSession {
  let [snapshot] = initialTransition(machine, { locale: 'en-US', payment: { id: 'pay_masked', amount: '12.34', currency: 'USD', description: null } });
  for (const digits of typed) [snapshot] = transition(machine, snapshot, { type: 'dtmf.entered', digits, at: AT });
  return {
    callSid: `CA${'0'.repeat(32)}`,
    flowId: flow.id,
    flowVersion: flow.version,
    paymentId: 'pay_masked',
    turn: typed.length + 1,
    state: { value: String(snapshot.value), context: snapshot.context },
    vaultRefs: {},
    lastReply: null,
    startedAt: AT,
  };
}

const BRIDGE = { id: 'br_1', paymentId: 'pay_masked', agent: 'ada' } as Bridge;

describe('the masked views of a capture that asks for the postal code', () => {
  it('show only that the postal code was typed: "Postal code ✓" on the panel, postalCodeCaptured on the payment', () => {
    const before = sessionAfter(['4242424242424242', '1230', '123']);
    const after = sessionAfter(['4242424242424242', '1230', '123', ZIP]);
    const beforeEvent = paymentEvent(before, meaningOf(machine, before.state), BRIDGE, AT)!;
    const afterEvent = paymentEvent(after, meaningOf(machine, after.state), BRIDGE, AT)!;
    expect(beforeEvent).toMatchObject({ asking: 'postalCode', postalCodeCaptured: false });
    expect(beforeEvent.lines).not.toContain('Postal code ✓');
    expect(afterEvent).toMatchObject({ asking: null, postalCodeCaptured: true });
    expect(afterEvent.lines).toContain('Postal code ✓');
    expect(projectPayment(after.state, meaningOf(machine, after.state))).toMatchObject({ postalCodeCaptured: true });
    for (const shown of [JSON.stringify(afterEvent), JSON.stringify(after.state)]) expect(shown).not.toContain(ZIP);
  });
});
