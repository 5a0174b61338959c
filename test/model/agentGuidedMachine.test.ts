import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EventFromLogic, SnapshotFrom } from 'xstate';
import { getShortestPaths, getStateNodes, type StatePath } from 'xstate/graph';
import { createCaptureMachine, STATE, type CaptureMachine } from '../../src/core/capture/machine';
import { GUIDE_EVENTS, guideMayOf, meaningOf } from '../../src/core/capture/meaning';
import type { CaptureEvent, CaptureInput } from '../../src/core/capture/types';
import { parseFlow } from '../../src/core/flows/loadFlows';
import { CAPTURE_FIELDS, type CaptureField } from '../../src/core/flows/schema';
import { playCapture } from '../support/captureRuns';

type Snapshot = SnapshotFrom<CaptureMachine>;
type Path = StatePath<Snapshot, EventFromLogic<CaptureMachine>>;

const FLOW = parseFlow(readFileSync(join(__dirname, '../../flows/agent-relay.json'), 'utf8'), 'flows/agent-relay.json');
const machine = createCaptureMachine(FLOW);
const AT = '2025-06-15T12:00:00.000Z';
const INPUT: CaptureInput = { locale: 'en-US', payment: { id: 'pay_model', amount: '42.00', currency: 'USD', description: null } };
const TYPED = { visa: '4242424242424242', amex: '378282246310005', luhnFail: '4242424242424241', expiry: '1130', expired: '0124', code: '739', amexCode: '7391' };
const keys = (digits: string): CaptureEvent => ({ type: 'dtmf.entered', digits, at: AT });
const ask = (field: CaptureField): CaptureEvent => ({ type: 'agent.requested', field });

const EVENTS: CaptureEvent[] = [
  ...CAPTURE_FIELDS.map(ask),
  ...Object.values(TYPED).map(keys),
  keys(''),
  { type: 'dtmf.timedOut' },
  { type: 'agent.charged' },
  { type: 'agent.retried' },
  { type: 'agent.canceled' },
  { type: 'processor.approved', reference: 'ch_model' },
  { type: 'processor.declined', code: 'card_declined', message: 'declined' },
  { type: 'processor.overdue' },
  { type: 'call.hungUp' },
  { type: 'call.dropped' },
];

function serialize(snapshot: Snapshot): string {
  const c = snapshot.context;
  return JSON.stringify([snapshot.value, c.attempts, c.chargeAttempts, c.card?.brand ?? null, c.captured, c.callEnded, c.failure?.code ?? null]);
}

const play = (events: CaptureEvent[]) => playCapture(machine, events, INPUT);

const stored = (s: Snapshot) => ({ value: String(s.value), context: s.context });
const eventsOf = (path: Path): CaptureEvent[] => path.steps.map((s) => s.event).filter((e) => (e.type as string) !== 'xstate.init') as CaptureEvent[];

describe('the agent-guided capture model', () => {
  let paths: Path[];
  beforeAll(() => {
    paths = getShortestPaths(machine, { input: INPUT, events: EVENTS, serializeState: serialize });
  });

  it('has only the states an agent-guided capture needs, and reaches each of them', () => {
    const names = getStateNodes(machine).map((n) => n.key).sort();
    expect(names).toEqual(
      [STATE.start, STATE.awaitingRequest, STATE.collectingCardNumber, STATE.collectingExpiry, STATE.collectingSecurityCode, STATE.processing, STATE.declined, STATE.completed, STATE.failed, STATE.deferred, STATE.canceled, STATE.hungUp].sort(),
    );
    const reached = new Set(paths.map((p) => String(p.state.value)));
    expect([...reached].sort()).toEqual(names.filter((n) => n !== STATE.start).sort());
  });

  it('never keeps a typed value in any reached context', () => {
    const secrets = Object.values(TYPED);
    for (const path of paths) {
      const text = JSON.stringify(path.state.context);
      expect(secrets.filter((s) => text.includes(s))).toEqual([]);
    }
  });

  it('opens Charge exactly when every field is valid and nothing is being typed', () => {
    for (const path of paths) {
      const s = path.state;
      const all = CAPTURE_FIELDS.every((f) => s.context.captured[f]);
      expect([s.value, guideMayOf(machine, stored(s)).charge]).toEqual([s.value, all && s.value === STATE.awaitingRequest]);
    }
  });

  it('asks for the expiry or the security code only once the card number is valid', () => {
    for (const path of paths) {
      const s = path.state;
      const may = guideMayOf(machine, stored(s));
      const open = !meaningOf(machine, stored(s)).final && [STATE.awaitingRequest, STATE.collectingCardNumber, STATE.collectingExpiry, STATE.collectingSecurityCode].includes(String(s.value) as never);
      expect([s.value, may.askCardNumber, may.askExpiry, may.askSecurityCode]).toEqual([s.value, open, open && s.context.card !== null, open && s.context.card !== null]);
    }
  });

  it('keeps in the vault exactly the fields the capture counts as captured', () => {
    for (const path of paths) {
      const run = play(eventsOf(path));
      const kept = new Set<CaptureField>();
      for (const batch of run.emitted) for (const e of batch) e.type === 'vault.put' ? kept.add(e.field) : e.fields.forEach((f) => kept.delete(f));
      // What the context says is captured is what the vault holds; past that, the turn runner empties the vault.
      if (meaningOf(machine, stored(run.snapshot)).holdsCardData) {
        expect([run.snapshot.value, [...kept].sort()]).toEqual([run.snapshot.value, CAPTURE_FIELDS.filter((f) => run.snapshot.context.captured[f]).sort()]);
      }
    }
  });

  it('checks each field as the keypad flow does, keeps it asked after a mistake, and spends no try on silence', () => {
    let run = play([ask('cardNumber'), keys(TYPED.luhnFail)]);
    expect([run.snapshot.value, run.snapshot.context.attempts, run.snapshot.context.notices.map((n) => n.key)]).toEqual([STATE.collectingCardNumber, 1, ['cardNumber.error.luhn']]);
    run = play([ask('cardNumber'), { type: 'dtmf.timedOut' }]);
    expect([run.snapshot.value, run.snapshot.context.attempts]).toEqual([STATE.awaitingRequest, 0]);
    run = play([ask('cardNumber'), keys(TYPED.luhnFail), keys(TYPED.luhnFail), keys(TYPED.luhnFail)]);
    expect([run.snapshot.value, run.snapshot.context.failure?.code]).toEqual([STATE.failed, 'too_many_attempts']);
  });

  it('asks the card number again by forgetting it and its security code, keeping the expiry', () => {
    const run = play([ask('cardNumber'), keys(TYPED.visa), ask('expiry'), keys(TYPED.expiry), ask('securityCode'), keys(TYPED.code), ask('cardNumber')]);
    expect(run.snapshot.context.captured).toEqual({ cardNumber: false, expiry: true, securityCode: false, postalCode: false });
    expect(run.snapshot.context.card).toBeNull();
    expect(run.emitted.at(-1)).toEqual([{ type: 'vault.discard', fields: ['cardNumber', 'securityCode'] }]);
  });

  it('charges on the agent’s word, ends approved, and after a decline lets the agent start another card', () => {
    const ready = [ask('cardNumber'), keys(TYPED.visa), ask('securityCode'), keys(TYPED.code), ask('expiry'), keys(TYPED.expiry), GUIDE_EVENTS.charge];
    expect(meaningOf(machine, stored(play(ready).snapshot))).toMatchObject({ needsCharge: true, status: 'processing' });
    expect(meaningOf(machine, stored(play([...ready, { type: 'processor.approved', reference: 'r' }]).snapshot))).toMatchObject({ final: true, status: 'succeeded' });
    const declined = play([...ready, { type: 'processor.declined', code: 'card_declined', message: 'no' }, { type: 'agent.retried' }]);
    expect([declined.snapshot.value, declined.snapshot.context.captured, declined.snapshot.context.chargeAttempts]).toEqual([STATE.awaitingRequest, { cardNumber: false, expiry: false, securityCode: false, postalCode: false }, 1]);
  });

  it('ends a dropped line as caller_line_dropped, and lets a charge already sent stand', () => {
    const dropped = play([ask('cardNumber'), keys(TYPED.visa), { type: 'call.dropped' }]);
    expect([dropped.snapshot.value, dropped.snapshot.context.failure?.code]).toEqual([STATE.hungUp, 'caller_line_dropped']);
    const ready = [ask('cardNumber'), keys(TYPED.visa), ask('securityCode'), keys(TYPED.code), ask('expiry'), keys(TYPED.expiry), GUIDE_EVENTS.charge];
    const charging = play([...ready, { type: 'call.dropped' }, { type: 'processor.approved', reference: 'r' }]);
    expect(meaningOf(machine, stored(charging.snapshot))).toMatchObject({ final: true, status: 'succeeded' });
  });
});
