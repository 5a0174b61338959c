import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initialTransition, transition, type EventFromLogic, type SnapshotFrom } from 'xstate';
import { getShortestPaths, getSimplePaths, getStateNodes, type StatePath } from 'xstate/graph';
import { createCaptureMachine, STATE, type CaptureMachine } from '../../src/core/capture/machine';
import { AGENT_EVENTS, meaningOf, type StateMeaning } from '../../src/core/capture/meaning';
import type { CaptureEvent, CaptureInput, PaymentSummary } from '../../src/core/capture/types';
import { parseFlow } from '../../src/core/flows/loadFlows';
import { requiredPromptKeys, type PromptKey } from '../../src/core/flows/promptKeys';
import { fieldsOf, flowSchema, type CaptureField, type Flow } from '../../src/core/flows/schema';
import * as cardNumberRules from '../../src/core/domain/cardNumber';
import * as expiryRules from '../../src/core/domain/expiry';
import * as securityCodeRules from '../../src/core/domain/securityCode';
import { DECLINE_CODES, type DeclineCode } from '../../src/ports/processor';
import { emittedBy, playCapture, type CaptureRun } from '../support/captureRuns';

type Snapshot = SnapshotFrom<CaptureMachine>;

/** A bank's reasons for returning a debit: a card flow has no words of its own for them. */
const BANK_CODES: readonly DeclineCode[] = ['account_closed', 'no_account', 'debit_not_authorized', 'invalid_bank_account'];
type Path = StatePath<Snapshot, EventFromLogic<CaptureMachine>>;

interface TestCards {
  cards: Array<{ number: string; brand: string; outcome: string }>;
  invalid: Array<{ number: string; why: string }>;
}

const fixtures = JSON.parse(readFileSync(join(__dirname, '../fixtures/test-cards.json'), 'utf8')) as TestCards;
const cardNumber = (brand: string): string => fixtures.cards.find((c) => c.brand === brand && c.outcome === 'succeeded')!.number;
const invalidCard = (why: string): string => fixtures.invalid.find((c) => c.why.includes(why))!.number;

const DEFAULT_FLOW = parseFlow(readFileSync(join(__dirname, '../../flows/default.json'), 'utf8'), 'flows/default.json');

/** Every key turn carries the same time, so expiry answers never depend on the day the suite runs. */
const AT = '2025-06-15T12:00:00.000Z';

const CARD = {
  visa: cardNumber('visa'),
  amex: cardNumber('american-express'),
  luhnFail: invalidCard('Luhn'),
  tooShort: invalidCard('too short'),
  unknownBrand: invalidCard('no known brand'),
  // A well-formed Mir number: a brand the card rules know but that no flow here accepts.
  notAccepted: '2200000000000004',
};
const EXPIRY = { ok: '1130', month13: '1330', past: '0124', tooFar: '1250', tooShort: '12' };
const SECURITY_CODE = { visa: '739', amex: '7391', wrongLength: '73' };
/** Billing postal codes: a US ZIP code, and lengths a 5-digit or a 4-to-6-digit rule refuses. */
const POSTAL_CODE = { zip: '94103', tooShort: '941', tooLong: '9410377' };

const PAYMENT: PaymentSummary = { id: 'pay_model', amount: '42.00', currency: 'USD', description: 'Invoice for Ada' };
const SELF_SERVICE: CaptureInput = { locale: 'en-US', payment: null };
const WITH_PAYMENT: CaptureInput = { locale: 'en-US', payment: PAYMENT };
const REFERENCE = 'ch_model_approval';

const keys = (digits: string): CaptureEvent => ({ type: 'dtmf.entered', digits, at: AT });
const TIMEOUT: CaptureEvent = { type: 'dtmf.timedOut' };
const HANG_UP: CaptureEvent = { type: 'call.hungUp' };
const PAY_CODE_FOUND: CaptureEvent = { type: 'payCode.entered', payment: PAYMENT };
const PAY_CODE_UNKNOWN: CaptureEvent = { type: 'payCode.entered', payment: null };
const APPROVED: CaptureEvent = { type: 'processor.approved', reference: REFERENCE };
const declined = (code: DeclineCode): CaptureEvent => ({ type: 'processor.declined', code, message: `declined: ${code}` });

/** What a caller can type anywhere: good and bad answers for every field, menu keys, star and nothing at all. */
const TYPED = [
  ...Object.values(CARD),
  ...Object.values(EXPIRY),
  ...Object.values(SECURITY_CODE),
  ...Object.values(POSTAL_CODE),
  '',
  '*',
  '1',
  '2',
  '9',
];

const SAMPLE_EVENTS: CaptureEvent[] = [
  PAY_CODE_FOUND,
  PAY_CODE_UNKNOWN,
  ...TYPED.map(keys),
  TIMEOUT,
  APPROVED,
  ...DECLINE_CODES.map(declined),
  { type: 'processor.overdue' },
  { type: 'agent.confirmed' },
  { type: 'agent.reenter' },
  { type: 'agent.timedOut' },
  { type: 'agent.retried' },
  HANG_UP,
  { type: 'call.refused', notice: 'payment.unavailable' },
  { type: 'call.refused', notice: 'error.system' },
];

/** Card data the machine sees; none of it may ever sit in the context. Two-digit entries are too short to search for. */
const SECRETS = [...Object.values(CARD), ...Object.values(EXPIRY), ...Object.values(SECURITY_CODE), ...Object.values(POSTAL_CODE)].filter((s) => s.length >= 3);

/** A variant of the shipped flow, validated like a flow file so that every variant is one an operator could write. */
function variant(change: (flow: Flow) => Record<string, unknown>): Flow {
  const copy = structuredClone(DEFAULT_FLOW);
  return flowSchema.parse({ ...copy, ...change(copy) });
}

const EXPIRY_FIRST = variant(() => ({ fieldOrder: ['expiry', 'cardNumber', 'securityCode'] }));
const AGENT_CONFIRMS = variant(() => ({ agentConfirmsCardNumber: true }));
const ONE_TRY = variant(() => ({ tries: { payCode: 1, cardNumber: 1, expiry: 1, securityCode: 1, postalCode: 1, choice: 1 } }));
const ONE_CARD = variant(() => ({ maxCardAttempts: 1 }));
const NO_AMEX = variant((f) => ({ acceptedBrands: f.acceptedBrands.filter((b) => b !== 'american-express') }));
// The shipped flows carry the postal code's prompts already: asking for it is the one option.
const US_ZIP = variant(() => ({ postalCode: { country: 'US' } }));
const POSTAL_RANGE = variant(() => ({ postalCode: { digits: [4, 6] }, fieldOrder: ['expiry', 'cardNumber', 'securityCode'] }));
const ZIP_ONE_TRY = variant(() => ({ postalCode: { country: 'US' }, tries: { payCode: 1, cardNumber: 1, expiry: 1, securityCode: 1, postalCode: 1, choice: 1 } }));

const FLOWS: Array<[string, Flow]> = [
  ['the default flow', DEFAULT_FLOW],
  ['a flow asking the expiry first', EXPIRY_FIRST],
  ['a flow where an agent confirms the card number', AGENT_CONFIRMS],
  ['a flow with one try per step', ONE_TRY],
  ['a flow allowing one card per call', ONE_CARD],
  ['a flow not accepting American Express', NO_AMEX],
  ['a flow asking the US ZIP code', US_ZIP],
  ['a flow asking a 4-to-6-digit postal code after the expiry-first card fields', POSTAL_RANGE],
  ['a flow asking the ZIP code with one try per step', ZIP_ONE_TRY],
];

/**
 * What decides the machine's next move (state, counters, brand, call ended), plus what the caller
 * hears (notices) and how a final state failed, so each distinct prompt or outcome is its own vertex.
 */
function serializeForCoverage(snapshot: Snapshot): string {
  const c = snapshot.context;
  return JSON.stringify([
    snapshot.value,
    c.attempts,
    c.chargeAttempts,
    c.referenceRepeats,
    c.callEnded,
    c.card?.brand ?? null,
    c.notices.map((n) => n.key),
    c.failure?.code ?? null,
  ]);
}

const machines = new WeakMap<Flow, CaptureMachine>();
/** One machine per flow, as the flow registry compiles it once at start. */
function machineFor(flow: Flow): CaptureMachine {
  let machine = machines.get(flow);
  if (!machine) {
    machine = createCaptureMachine(flow);
    machines.set(flow, machine);
  }
  return machine;
}

/** Plays events on the flow's one machine. */
function play(flow: Flow, events: CaptureEvent[], input: CaptureInput = WITH_PAYMENT): CaptureRun {
  return playCapture(machineFor(flow), events, input);
}

const noticeKeys = (snapshot: Snapshot): PromptKey[] => snapshot.context.notices.map((n) => n.key);

/** Keys that answer each field correctly for a Visa card, in the flow's order. */
function visaAnswers(flow: Flow): CaptureEvent[] {
  const answer: Partial<Record<CaptureField, string>> = { cardNumber: CARD.visa, expiry: EXPIRY.ok, securityCode: SECURITY_CODE.visa, postalCode: POSTAL_CODE.zip };
  return fieldsOf(flow).map((field) => keys(answer[field]!));
}

/** From a call with its payment to the charge: every field answered, then "press 1 to pay". */
const toProcessing = (flow: Flow): CaptureEvent[] => [...visaAnswers(flow), keys('1')];

/** The events a graph path sends; its first step is the machine's own `xstate.init`. */
const eventsOf = (path: Path): CaptureEvent[] => path.steps.map((s) => s.event).filter((e) => (e.type as string) !== 'xstate.init') as CaptureEvent[];

const replay = (flow: Flow, path: Path): Snapshot => play(flow, eventsOf(path), SELF_SERVICE).snapshot;

describe.each(FLOWS)('the capture model of %s', (_name, flow) => {
  const machine = machineFor(flow);
  let paths: Path[];
  let reached: Snapshot[];

  beforeAll(() => {
    // A self-service call starts at the pay code, so the walk covers that step too.
    paths = getShortestPaths(machine, { input: SELF_SERVICE, events: SAMPLE_EVENTS, serializeState: serializeForCoverage });
    reached = paths.map((p) => p.state);
  });

  it('reaches every state the flow can be in, and no other', () => {
    const stateKeys = getStateNodes(machine).map((node) => node.key);
    // `start` only routes the call (pay code or first field) and is never rested in. The agent's
    // state and the decline menu exist in every machine, but only a flow with agent confirmation
    // can wait for the agent, and only a flow allowing a second card can offer one.
    const unreachable: string[] = [STATE.start];
    if (!flow.agentConfirmsCardNumber) unreachable.push(STATE.awaitingAgent);
    if (flow.maxCardAttempts === 1) unreachable.push(STATE.declined);
    // The walk's pay code finds a payment to charge; the save question has a walk of its own below.
    unreachable.push(STATE.confirmingSave);
    const expected = stateKeys.filter((key) => !unreachable.includes(key));
    const values = new Set(reached.map((s) => String(s.value)));
    expect([...values].sort()).toEqual([...expected].sort());
    expect(values.has(STATE.start)).toBe(false);
  });

  it('says every error and timeout re-prompt a step with more than one try can give', () => {
    const step = (key: string): keyof Flow['tries'] => {
      const head = key.split('.')[0]!;
      return head === 'confirm' ? 'choice' : (head as keyof Flow['tries']);
    };
    // A flow that asks no postal code has no words for it, and never needs them.
    const errorKeys = requiredPromptKeys(flow).filter((k) => /\.error\./.test(k) || /\.timeout$/.test(k));
    const heard = new Set(reached.flatMap(noticeKeys));
    const expected = errorKeys.filter((k) => flow.tries[step(k)] > 1);
    expect(expected.filter((k) => !heard.has(k))).toEqual([]);
    // With a single try a mistake ends the call at once, so no re-prompt is ever said.
    expect(errorKeys.filter((k) => !expected.includes(k) && heard.has(k))).toEqual([]);
  });

  it('ends in failure for too many attempts and for every decline code', () => {
    const failures = new Set(reached.filter((s) => s.value === STATE.failed).map((s) => s.context.failure?.code));
    expect([...failures].sort()).toEqual([...DECLINE_CODES, 'too_many_attempts'].sort());
  });

  it('ends a hung-up call with the hang-up or with the decline the caller heard', () => {
    const codes = new Set(reached.filter((s) => s.value === STATE.hungUp).map((s) => s.context.failure?.code));
    // With one card per call a decline ends the capture at once, so no hang-up can follow one.
    // A flow without a postal code says a plain decline for incorrect_zip, which the walk does not tell apart;
    // a card flow says a plain decline for a bank's reasons too.
    const declinesHeardBeforeHangUp = flow.maxCardAttempts > 1 ? DECLINE_CODES.filter((c) => (c !== 'incorrect_zip' || flow.postalCode) && !BANK_CODES.includes(c)) : [];
    expect([...codes].sort()).toEqual(['caller_hung_up', ...declinesHeardBeforeHangUp].sort());
  });

  it('keeps every ended capture as it ended, whatever arrives afterwards', () => {
    const ended = reached.filter((s) => s.status === 'done');
    expect(new Set(ended.map((s) => s.value))).toEqual(new Set([STATE.completed, STATE.failed, STATE.canceled, STATE.abandoned, STATE.hungUp, STATE.deferred, STATE.refused]));
    for (const snapshot of ended) {
      for (const event of SAMPLE_EVENTS) {
        const [after] = transition(machine, snapshot, event);
        expect({ value: after.value, context: after.context }).toEqual({ value: snapshot.value, context: snapshot.context });
      }
    }
  });

  it('follows each shortest path to the same state when the events are replayed one turn at a time', () => {
    for (const path of paths) {
      expect(serializeForCoverage(replay(flow, path))).toBe(serializeForCoverage(path.state));
    }
  });

  it('never keeps a card number, expiry or security code in any reached context', () => {
    for (const snapshot of reached) {
      const context = JSON.stringify(snapshot.context);
      for (const secret of SECRETS) expect(context).not.toContain(secret);
    }
  });

  const meaning = (snapshot: Snapshot): StateMeaning => meaningOf(machine, { value: String(snapshot.value), context: snapshot.context });

  it('gives every state exactly one payment status, at most one step and at most one outcome', () => {
    for (const node of getStateNodes(machine).filter((n) => n.parent === machine.root)) {
      const count = (prefix: string) => [...node.tags].filter((t) => t.startsWith(`${prefix}.`)).length;
      expect({ state: node.key, statuses: count('status'), steps: Math.min(count('step'), 1), outcomes: Math.min(count('outcome'), 1) }).toEqual({
        state: node.key,
        statuses: 1,
        steps: count('step'),
        outcomes: count('outcome'),
      });
    }
  });

  it('means for every reached state what the payment, the pages, the panel and the metrics show', () => {
    for (const snapshot of reached) {
      const name = String(snapshot.value);
      const { agentMay: _agentMay, ...rest } = meaning(snapshot);
      expect({ state: name, ...rest }).toEqual({ state: name, ...EXPECTED_MEANING[name] });
    }
  });

  it('ends in states that hold no card data, ask nothing and take no agent action', () => {
    const ended = reached.filter((s) => s.status === 'done');
    expect(ended.length).toBeGreaterThan(0);
    for (const snapshot of ended) {
      const m = meaning(snapshot);
      expect({ state: snapshot.value, final: m.final, holdsCardData: m.holdsCardData, step: m.step, needsCharge: m.needsCharge, agentMay: m.agentMay }).toEqual({
        state: snapshot.value,
        final: true,
        holdsCardData: false,
        step: null,
        needsCharge: false,
        agentMay: { confirmed: false, reenter: false, cancel: false, retry: false },
      });
    }
  });

  it('lets the agent confirm or re-enter only while the card number waits for them, retry only after a decline, and cancel only what still takes input', () => {
    for (const snapshot of reached) {
      const m = meaning(snapshot);
      const name = String(snapshot.value);
      expect({ state: name, ...m.agentMay }).toEqual({
        state: name,
        confirmed: name === STATE.awaitingAgent,
        reenter: name === STATE.awaitingAgent,
        retry: name === STATE.declined,
        cancel: !m.final && m.step !== 'charge' && m.step !== 'reference',
      });
    }
  });

  it('empties the vault wherever a state says it holds no card data, and still has every field when the charge starts', () => {
    let charges = 0;
    for (const path of paths) {
      let [snapshot] = initialTransition(machine, SELF_SERVICE);
      const vault = new Set<CaptureField>();
      for (const event of eventsOf(path)) {
        const before = meaning(snapshot);
        const [next, actions] = transition(machine, snapshot, event);
        for (const emitted of emittedBy(actions)) {
          if (emitted.type === 'vault.put') vault.add(emitted.field);
          else for (const field of emitted.fields) vault.delete(field);
        }
        const after = meaning(next);
        // What the turn runner does: a state that holds no card data releases whatever is left.
        if (!after.holdsCardData) vault.clear();
        if (after.needsCharge && !before.needsCharge) {
          charges += 1;
          expect([...vault].sort()).toEqual([...fieldsOf(flow)].sort());
        }
        snapshot = next;
      }
    }
    expect(charges).toBeGreaterThan(0);
  });

  it('takes the agent’s retry after a decline exactly as the caller’s 1', () => {
    const declinedStates = reached.filter((s) => s.value === STATE.declined);
    if (flow.maxCardAttempts === 1) expect(declinedStates).toEqual([]);
    for (const snapshot of declinedStates) {
      const [byAgent, agentActions] = transition(machine, snapshot, AGENT_EVENTS.retry);
      const [byCaller, callerActions] = transition(machine, snapshot, keys('1'));
      expect({ value: byAgent.value, context: byAgent.context, emitted: emittedBy(agentActions) }).toEqual({
        value: byCaller.value,
        context: byCaller.context,
        emitted: emittedBy(callerActions),
      });
    }
  });
});

/** What each state of a capture means outside the machine (agent actions are checked on their own). */
const EXPECTED_MEANING: Record<string, Omit<StateMeaning, 'agentMay'>> = {
  collectingPayCode: { step: 'payCode', status: 'pending', field: null, outcome: null, needsCharge: false, holdsCardData: false, final: false },
  collectingCardNumber: { step: 'cardNumber', status: 'capturing', field: 'cardNumber', outcome: null, needsCharge: false, holdsCardData: true, final: false },
  collectingExpiry: { step: 'expiry', status: 'capturing', field: 'expiry', outcome: null, needsCharge: false, holdsCardData: true, final: false },
  collectingSecurityCode: { step: 'securityCode', status: 'capturing', field: 'securityCode', outcome: null, needsCharge: false, holdsCardData: true, final: false },
  collectingPostalCode: { step: 'postalCode', status: 'capturing', field: 'postalCode', outcome: null, needsCharge: false, holdsCardData: true, final: false },
  awaitingAgent: { step: 'agentCheck', status: 'capturing', field: null, outcome: null, needsCharge: false, holdsCardData: true, final: false },
  confirming: { step: 'confirm', status: 'capturing', field: null, outcome: null, needsCharge: false, holdsCardData: true, final: false },
  processing: { step: 'charge', status: 'processing', field: null, outcome: null, needsCharge: true, holdsCardData: true, final: false },
  declined: { step: 'retry', status: 'capturing', field: null, outcome: null, needsCharge: false, holdsCardData: true, final: false },
  succeeded: { step: 'reference', status: 'succeeded', field: null, outcome: 'succeeded', needsCharge: false, holdsCardData: false, final: false },
  completed: { step: null, status: 'succeeded', field: null, outcome: 'succeeded', needsCharge: false, holdsCardData: false, final: true },
  failed: { step: null, status: 'failed', field: null, outcome: 'failed', needsCharge: false, holdsCardData: false, final: true },
  deferred: { step: null, status: 'processing', field: null, outcome: null, needsCharge: false, holdsCardData: false, final: true },
  canceled: { step: null, status: 'canceled', field: null, outcome: 'canceled', needsCharge: false, holdsCardData: false, final: true },
  abandoned: { step: null, status: 'pending', field: null, outcome: null, needsCharge: false, holdsCardData: false, final: true },
  hungUp: { step: null, status: 'failed', field: null, outcome: 'hung_up', needsCharge: false, holdsCardData: false, final: true },
  refused: { step: null, status: 'pending', field: null, outcome: null, needsCharge: false, holdsCardData: false, final: true },
};

describe('a call turned away before any capture', () => {
  it.each(['payment.unavailable', 'error.system'] as const)('ends at once with "%s" as its last words', (notice) => {
    const { snapshot, emitted } = play(DEFAULT_FLOW, [{ type: 'call.refused', notice }], SELF_SERVICE);
    expect(snapshot.value).toBe(STATE.refused);
    expect(snapshot.status).toBe('done');
    expect(noticeKeys(snapshot)).toEqual([notice]);
    expect(emitted).toEqual([[]]);
    expect(meaningOf(machineFor(DEFAULT_FLOW), { value: String(snapshot.value), context: snapshot.context })).toMatchObject({ final: true, outcome: null });
  });
});

describe('each typed field', () => {
  const spies = [jest.spyOn(cardNumberRules, 'checkCardNumber'), jest.spyOn(expiryRules, 'checkExpiry'), jest.spyOn(securityCodeRules, 'checkSecurityCode')];
  afterAll(() => spies.forEach((spy) => spy.mockRestore()));

  it.each([
    ['a valid card number', [], keys(CARD.visa)],
    ['a card number failing Luhn', [], keys(CARD.luhnFail)],
    ['a valid expiry', [keys(CARD.visa)], keys(EXPIRY.ok)],
    ['a past expiry', [keys(CARD.visa)], keys(EXPIRY.past)],
    ['a valid security code', [keys(CARD.visa), keys(EXPIRY.ok)], keys(SECURITY_CODE.visa)],
    ['a security code of the wrong length', [keys(CARD.visa), keys(EXPIRY.ok)], keys(SECURITY_CODE.wrongLength)],
  ] as Array<[string, CaptureEvent[], CaptureEvent]>)('is checked once in its turn: %s', (_what, before, entry) => {
    const machine = machineFor(DEFAULT_FLOW);
    const { snapshot } = play(DEFAULT_FLOW, before);
    spies.forEach((spy) => spy.mockClear());
    transition(machine, snapshot, entry);
    expect(spies.map((spy) => spy.mock.calls.length).reduce((a, b) => a + b, 0)).toBe(1);
  });
});

describe('a call that arrives with its payment', () => {
  it('starts at the first field with the introduction', () => {
    const [snapshot] = initialTransition(machineFor(DEFAULT_FLOW), WITH_PAYMENT);
    expect(snapshot.value).toBe(STATE.collectingCardNumber);
    expect(noticeKeys(snapshot)).toEqual(['intro']);
  });

  it('starts at the expiry when the flow asks for it first', () => {
    const [snapshot] = initialTransition(machineFor(EXPIRY_FIRST), WITH_PAYMENT);
    expect(snapshot.value).toBe(STATE.collectingExpiry);
  });
});

describe('a self-service call', () => {
  it('when the pay code matches, binds the payment and asks the first field with the introduction', () => {
    const { snapshot } = play(DEFAULT_FLOW, [PAY_CODE_FOUND], SELF_SERVICE);
    expect(snapshot.value).toBe(STATE.collectingCardNumber);
    expect(snapshot.context.payment).toEqual(PAYMENT);
    expect(noticeKeys(snapshot)).toEqual(['intro']);
  });

  it('when no pay code matches after every try, the call is abandoned', () => {
    const { snapshot, snapshots } = play(DEFAULT_FLOW, [PAY_CODE_UNKNOWN, TIMEOUT, PAY_CODE_UNKNOWN], SELF_SERVICE);
    expect(noticeKeys(snapshots[0]!)).toEqual(['payCode.unknown']);
    expect(noticeKeys(snapshots[1]!)).toEqual(['payCode.timeout']);
    expect(snapshot.value).toBe(STATE.abandoned);
    expect(noticeKeys(snapshot)).toEqual(['payCode.tooManyAttempts']);
  });
});

describe('too many mistakes', () => {
  const mistakes: Array<[CaptureField, CaptureEvent[], CaptureEvent]> = [
    ['cardNumber', [], keys(CARD.luhnFail)],
    ['expiry', [keys(CARD.visa)], keys(EXPIRY.past)],
    ['securityCode', [keys(CARD.visa), keys(EXPIRY.ok)], keys(SECURITY_CODE.wrongLength)],
  ];

  it.each(mistakes)('when the caller gets the %s wrong on every try, the capture fails for too many attempts', (field, before, mistake) => {
    const tries = DEFAULT_FLOW.tries[field];
    const { snapshot, snapshots } = play(DEFAULT_FLOW, [...before, ...Array<CaptureEvent>(tries).fill(mistake)]);
    expect(snapshots.at(-2)!.value).not.toBe(STATE.failed);
    expect(snapshot.value).toBe(STATE.failed);
    expect(snapshot.context.failure?.code).toBe('too_many_attempts');
    expect(noticeKeys(snapshot)).toEqual(['tooManyAttempts']);
  });

  it.each(mistakes)('when the %s times out on every try, the capture fails for too many attempts', (field, before) => {
    const { snapshot } = play(DEFAULT_FLOW, [...before, ...Array<CaptureEvent>(DEFAULT_FLOW.tries[field]).fill(TIMEOUT)]);
    expect(snapshot.value).toBe(STATE.failed);
    expect(snapshot.context.failure?.code).toBe('too_many_attempts');
  });

  it('counts mistakes and timeouts together within one field', () => {
    const { snapshots, snapshot } = play(DEFAULT_FLOW, [keys(CARD.unknownBrand), TIMEOUT, keys(CARD.tooShort)]);
    expect(snapshots.map((s) => s.context.attempts)).toEqual([1, 2, 2]);
    expect(snapshot.value).toBe(STATE.failed);
  });

  it('gives each field its own tries: a mistake on the card number is forgotten once it is right', () => {
    const { snapshot } = play(DEFAULT_FLOW, [keys(CARD.luhnFail), keys(CARD.luhnFail), keys(CARD.visa), keys(EXPIRY.past), keys(EXPIRY.past)]);
    expect(snapshot.value).toBe(STATE.collectingExpiry);
    expect(snapshot.context.attempts).toBe(2);
  });

  it.each(mistakes)('with one try per step, a single mistake on the %s ends the capture', (_field, before, mistake) => {
    const { snapshot } = play(ONE_TRY, [...before, mistake]);
    expect(snapshot.value).toBe(STATE.failed);
    expect(snapshot.context.failure?.code).toBe('too_many_attempts');
  });

  it('when the caller answers the confirmation with a key it does not offer every time, the capture fails', () => {
    const { snapshot, snapshots } = play(DEFAULT_FLOW, [...visaAnswers(DEFAULT_FLOW), keys('9'), TIMEOUT, keys('9')]);
    expect(noticeKeys(snapshots[3]!)).toEqual(['confirm.invalid']);
    expect(noticeKeys(snapshots[4]!)).toEqual(['confirm.timeout']);
    expect(snapshot.value).toBe(STATE.failed);
    expect(snapshot.context.failure?.code).toBe('too_many_attempts');
  });

  it('names the problem of each wrong card number in the re-prompt', () => {
    const cases: Array<[string, PromptKey, string | undefined]> = [
      [CARD.luhnFail, 'cardNumber.error.luhn', 'visa'],
      [CARD.tooShort, 'cardNumber.error.length', 'visa'],
      [CARD.unknownBrand, 'cardNumber.error.unknownBrand', undefined],
      [CARD.notAccepted, 'cardNumber.error.brandNotAccepted', 'mir'],
      ['', 'cardNumber.error.format', undefined],
    ];
    for (const [digits, key, brand] of cases) {
      const { snapshot } = play(DEFAULT_FLOW, [keys(digits)]);
      expect(snapshot.context.notices).toEqual([brand ? { key, brand } : { key }]);
    }
  });

  it('refuses an American Express card in a flow that does not accept the brand', () => {
    const { snapshot } = play(NO_AMEX, [keys(CARD.amex)]);
    expect(snapshot.value).toBe(STATE.collectingCardNumber);
    expect(snapshot.context.notices).toEqual([{ key: 'cardNumber.error.brandNotAccepted', brand: 'american-express' }]);
  });
});

describe('the security code length follows the brand', () => {
  it('an American Express card needs 4 digits and refuses 3', () => {
    const { snapshots } = play(DEFAULT_FLOW, [keys(CARD.amex), keys(EXPIRY.ok), keys(SECURITY_CODE.visa), keys(SECURITY_CODE.amex)]);
    expect(snapshots[1]!.context.securityCodeLength).toBe(4);
    expect(noticeKeys(snapshots[2]!)).toEqual(['securityCode.error.length']);
    expect(snapshots[3]!.value).toBe(STATE.confirming);
  });

  it('a Visa card needs 3 digits and refuses 4', () => {
    const { snapshots } = play(DEFAULT_FLOW, [keys(CARD.visa), keys(EXPIRY.ok), keys(SECURITY_CODE.amex), keys(SECURITY_CODE.visa)]);
    expect(snapshots[1]!.context.securityCodeLength).toBe(3);
    expect(noticeKeys(snapshots[2]!)).toEqual(['securityCode.error.length']);
    expect(snapshots[3]!.value).toBe(STATE.confirming);
  });
});

describe('the billing postal code', () => {
  const ZIP_ANSWERS = [keys(CARD.visa), keys(EXPIRY.ok), keys(SECURITY_CODE.visa)];

  it('is asked after the security code, vaulted once valid, and then the caller confirms', () => {
    const run = play(US_ZIP, [...ZIP_ANSWERS, keys(POSTAL_CODE.zip)]);
    expect(run.snapshots[2]!.value).toBe(STATE.collectingPostalCode);
    expect(run.snapshot.value).toBe(STATE.confirming);
    expect(run.snapshot.context.captured).toEqual({ cardNumber: true, expiry: true, securityCode: true, postalCode: true });
    expect(run.emitted.at(-1)).toEqual([{ type: 'vault.put', field: 'postalCode', value: POSTAL_CODE.zip }]);
    expect(JSON.stringify(run.snapshot.context)).not.toContain(POSTAL_CODE.zip);
  });

  it('names the problem of a wrong postal code in the re-prompt and fails after the tries', () => {
    const run = play(US_ZIP, [...ZIP_ANSWERS, keys(POSTAL_CODE.tooShort), keys(''), TIMEOUT]);
    expect(noticeKeys(run.snapshots[3]!)).toEqual(['postalCode.error.length']);
    expect(noticeKeys(run.snapshots[4]!)).toEqual(['postalCode.error.format']);
    expect(run.snapshot.value).toBe(STATE.failed);
    expect(run.snapshot.context.failure?.code).toBe('too_many_attempts');
  });

  it('takes any length in a digits range: 4 and 6 digits, not 3 or 7', () => {
    const answers = [keys(EXPIRY.ok), keys(CARD.visa), keys(SECURITY_CODE.visa)];
    expect(play(POSTAL_RANGE, [...answers, keys('1234')]).snapshot.value).toBe(STATE.confirming);
    expect(play(POSTAL_RANGE, [...answers, keys('123456')]).snapshot.value).toBe(STATE.confirming);
    expect(noticeKeys(play(POSTAL_RANGE, [...answers, keys(POSTAL_CODE.tooShort)]).snapshot)).toEqual(['postalCode.error.length']);
    expect(noticeKeys(play(POSTAL_RANGE, [...answers, keys(POSTAL_CODE.tooLong)]).snapshot)).toEqual(['postalCode.error.length']);
  });

  it('goes back to the security code on *, discarding it with the postal code', () => {
    const run = play(US_ZIP, [...ZIP_ANSWERS, keys('*')]);
    expect(run.snapshot.value).toBe(STATE.collectingSecurityCode);
    expect(run.emitted.at(-1)).toEqual([{ type: 'vault.discard', fields: ['securityCode', 'postalCode'] }]);
  });

  it('says its own prompt when the check fails, and another card forgets the postal code too', () => {
    const run = play(US_ZIP, [...ZIP_ANSWERS, keys(POSTAL_CODE.zip), keys('1'), declined('incorrect_zip'), keys('1')]);
    expect(noticeKeys(run.snapshots.at(-2)!)).toEqual(['declined.incorrect_zip']);
    expect(run.snapshot.value).toBe(STATE.collectingCardNumber);
    expect(run.snapshot.context.captured.postalCode).toBe(false);
    expect(run.emitted.at(-1)).toEqual([{ type: 'vault.discard', fields: ['cardNumber', 'expiry', 'securityCode', 'postalCode'] }]);
  });
});

describe('declines', () => {
  it('when a charge is declined with cards left and the caller presses 1, the capture asks the first field again with the card forgotten', () => {
    const run = play(DEFAULT_FLOW, [...toProcessing(DEFAULT_FLOW), declined('card_declined'), keys('1')]);
    const atDecline = run.snapshots.at(-2)!;
    expect(atDecline.value).toBe(STATE.declined);
    expect(noticeKeys(atDecline)).toEqual(['declined.card_declined']);
    expect(atDecline.context.failure).toBeNull();

    expect(run.snapshot.value).toBe(STATE.collectingCardNumber);
    expect(run.snapshot.context.card).toBeNull();
    expect(run.snapshot.context.securityCodeLength).toBe(0);
    expect(run.snapshot.context.captured).toEqual({ cardNumber: false, expiry: false, securityCode: false, postalCode: false });
    expect(run.snapshot.context.chargeAttempts).toBe(1);
    expect(run.emitted.at(-1)).toEqual([{ type: 'vault.discard', fields: ['cardNumber', 'expiry', 'securityCode', 'postalCode'] }]);
  });

  it('in a flow asking the expiry first, another card starts again at the expiry', () => {
    const { snapshot } = play(EXPIRY_FIRST, [...toProcessing(EXPIRY_FIRST), declined('insufficient_funds'), keys('1')]);
    expect(snapshot.value).toBe(STATE.collectingExpiry);
  });

  it('when the caller presses 2 after a decline, the capture fails with the decline code', () => {
    const { snapshot } = play(DEFAULT_FLOW, [...toProcessing(DEFAULT_FLOW), declined('insufficient_funds'), keys('2')]);
    expect(snapshot.value).toBe(STATE.failed);
    expect(snapshot.context.failure?.code).toBe('insufficient_funds');
    expect(noticeKeys(snapshot)).toEqual(['declined.final']);
  });

  it('when the caller never answers after a decline, the capture fails with the decline code', () => {
    const { snapshot } = play(DEFAULT_FLOW, [...toProcessing(DEFAULT_FLOW), declined('expired_card'), TIMEOUT, keys('9'), TIMEOUT]);
    expect(snapshot.value).toBe(STATE.failed);
    expect(snapshot.context.failure?.code).toBe('expired_card');
  });

  it.each(DECLINE_CODES)('when the last card allowed is declined (%s), the capture fails with that decline code', (code) => {
    const { snapshot } = play(ONE_CARD, [...toProcessing(ONE_CARD), declined(code)]);
    expect(snapshot.value).toBe(STATE.failed);
    expect(snapshot.context.failure?.code).toBe(code);
    // This flow asks no postal code, so it has no words for a failed postal code check: a plain decline.
    // Nor for a bank's reasons, which a card charge never gives.
    expect(noticeKeys(snapshot)).toEqual([code === 'incorrect_zip' || BANK_CODES.includes(code) ? 'declined.card_declined' : `declined.${code}`, 'declined.final']);
  });

  it('offers another card until the flow’s card limit, then fails with the last decline', () => {
    const oneCard = (code: DeclineCode) => [...toProcessing(DEFAULT_FLOW), declined(code)];
    const { snapshots, snapshot } = play(DEFAULT_FLOW, [
      ...oneCard('card_declined'),
      keys('1'),
      ...oneCard('incorrect_cvc'),
      keys('1'),
      ...oneCard('processing_error'),
    ]);
    expect(snapshots.filter((s) => s.value === STATE.declined)).toHaveLength(DEFAULT_FLOW.maxCardAttempts - 1);
    expect(snapshot.value).toBe(STATE.failed);
    expect(snapshot.context.chargeAttempts).toBe(DEFAULT_FLOW.maxCardAttempts);
    expect(snapshot.context.failure?.code).toBe('processing_error');
  });
});

describe('hang-ups', () => {
  it('when the caller hangs up during processing, the capture keeps processing and a later approval completes it', () => {
    const { snapshots, snapshot } = play(DEFAULT_FLOW, [...toProcessing(DEFAULT_FLOW), HANG_UP, APPROVED]);
    expect(snapshots.at(-2)!.value).toBe(STATE.processing);
    expect(snapshots.at(-2)!.context.callEnded).toBe(true);
    expect(snapshot.value).toBe(STATE.completed);
    expect(snapshot.context.reference).toBe(REFERENCE);
    expect(snapshot.context.failure).toBeNull();
  });

  it('when the caller hangs up during processing and the charge is declined, no other card is offered', () => {
    const { snapshot } = play(DEFAULT_FLOW, [...toProcessing(DEFAULT_FLOW), HANG_UP, declined('card_declined')]);
    expect(snapshot.value).toBe(STATE.failed);
    expect(snapshot.context.failure?.code).toBe('card_declined');
  });

  it('when the caller hangs up after a decline, the capture ends with the decline code', () => {
    const { snapshot } = play(DEFAULT_FLOW, [...toProcessing(DEFAULT_FLOW), declined('incorrect_cvc'), HANG_UP]);
    expect(snapshot.value).toBe(STATE.hungUp);
    expect(snapshot.context.failure?.code).toBe('incorrect_cvc');
  });

  it('when the caller hangs up while typing a field, the capture ends as hung up', () => {
    const { snapshot } = play(DEFAULT_FLOW, [keys(CARD.visa), HANG_UP]);
    expect(snapshot.value).toBe(STATE.hungUp);
    expect(snapshot.context.failure?.code).toBe('caller_hung_up');
  });

  it('when a hang-up arrives after the goodbye, the payment stays completed', () => {
    const { snapshot } = play(DEFAULT_FLOW, [...toProcessing(DEFAULT_FLOW), APPROVED, TIMEOUT, HANG_UP]);
    expect(snapshot.value).toBe(STATE.completed);
    expect(snapshot.context.failure).toBeNull();
  });

  it('when the caller hangs up after the approval, the payment stays completed', () => {
    const { snapshot } = play(DEFAULT_FLOW, [...toProcessing(DEFAULT_FLOW), APPROVED, HANG_UP]);
    expect(snapshot.value).toBe(STATE.completed);
    expect(snapshot.context.failure).toBeNull();
  });
});

describe('star to go back', () => {
  it('when the caller presses * on the first field, the capture is canceled and anything stored is discarded', () => {
    const run = play(DEFAULT_FLOW, [keys('*')]);
    expect(run.snapshot.value).toBe(STATE.canceled);
    expect(noticeKeys(run.snapshot)).toEqual(['canceled']);
    expect(run.emitted[0]).toEqual([{ type: 'vault.discard', fields: ['cardNumber', 'expiry', 'securityCode', 'postalCode'] }]);
  });

  it('when the caller presses * during the expiry, the capture goes back to the card number', () => {
    const run = play(DEFAULT_FLOW, [keys(CARD.visa), keys('*')]);
    expect(run.snapshot.value).toBe(STATE.collectingCardNumber);
    expect(noticeKeys(run.snapshot)).toEqual(['goingBack']);
    expect(run.snapshot.context.card).toBeNull();
    expect(run.snapshot.context.captured.cardNumber).toBe(false);
    expect(run.emitted[1]).toEqual([{ type: 'vault.discard', fields: ['cardNumber', 'expiry', 'securityCode'] }]);
  });

  it('when the caller presses * during the security code, the capture goes back to the expiry and keeps the card number', () => {
    const run = play(DEFAULT_FLOW, [keys(CARD.visa), keys(EXPIRY.ok), keys('*')]);
    expect(run.snapshot.value).toBe(STATE.collectingExpiry);
    expect(run.snapshot.context.card).toEqual({ brand: 'visa', last4: CARD.visa.slice(-4) });
    expect(run.snapshot.context.captured).toEqual({ cardNumber: true, expiry: false, securityCode: false, postalCode: false });
    expect(run.emitted[2]).toEqual([{ type: 'vault.discard', fields: ['expiry', 'securityCode'] }]);
  });

  it('resets the tries of the field it goes back to', () => {
    const run = play(DEFAULT_FLOW, [keys(CARD.visa), keys(EXPIRY.past), keys('*')]);
    expect(run.snapshot.context.attempts).toBe(0);
  });

  it('in a flow asking the expiry first, * on the card number goes back to the expiry', () => {
    const run = play(EXPIRY_FIRST, [keys(EXPIRY.ok), keys('*')]);
    expect(run.snapshot.value).toBe(STATE.collectingExpiry);
    expect(run.emitted[1]).toEqual([{ type: 'vault.discard', fields: ['expiry', 'cardNumber', 'securityCode'] }]);
  });
});

describe('the confirmation', () => {
  it('when the caller presses 2, the capture asks for the card again and discards what was stored', () => {
    const run = play(DEFAULT_FLOW, [...visaAnswers(DEFAULT_FLOW), keys('2')]);
    expect(run.snapshot.value).toBe(STATE.collectingCardNumber);
    expect(noticeKeys(run.snapshot)).toEqual(['confirm.reenter']);
    expect(run.snapshot.context.card).toBeNull();
    expect(run.emitted.at(-1)).toEqual([{ type: 'vault.discard', fields: ['cardNumber', 'expiry', 'securityCode', 'postalCode'] }]);
  });

  it('when the caller presses 1, the capture asks for a charge and counts it', () => {
    const { snapshot } = play(DEFAULT_FLOW, toProcessing(DEFAULT_FLOW));
    expect(snapshot.value).toBe(STATE.processing);
    expect(snapshot.hasTag('needs.charge')).toBe(true);
    expect(snapshot.context.chargeAttempts).toBe(1);
  });
});

describe('an agent confirming the card number', () => {
  const flow = AGENT_CONFIRMS;

  it('waits for the agent after a valid card number and ignores keys meanwhile', () => {
    const { snapshots, snapshot } = play(flow, [keys(CARD.visa), keys('1'), TIMEOUT]);
    expect(snapshots[0]!.value).toBe(STATE.awaitingAgent);
    expect(snapshots[0]!.context.waitingSince).toBe(AT);
    expect(snapshot.value).toBe(STATE.awaitingAgent);
  });

  it('when the agent confirms, the capture moves on to the next field', () => {
    const { snapshot } = play(flow, [keys(CARD.visa), { type: 'agent.confirmed' }]);
    expect(snapshot.value).toBe(STATE.collectingExpiry);
  });

  it('when the agent asks for the number again, the card number is discarded and asked again', () => {
    const run = play(flow, [keys(CARD.visa), { type: 'agent.reenter' }]);
    expect(run.snapshot.value).toBe(STATE.collectingCardNumber);
    expect(noticeKeys(run.snapshot)).toEqual(['agentCheck.reenter']);
    expect(run.snapshot.context.card).toBeNull();
    expect(run.emitted[1]).toEqual([{ type: 'vault.discard', fields: ['cardNumber', 'securityCode'] }]);
  });

  it('when the agent never answers, the capture is canceled', () => {
    const run = play(flow, [keys(CARD.visa), { type: 'agent.timedOut' }]);
    expect(run.snapshot.value).toBe(STATE.canceled);
    expect(run.emitted[1]).toEqual([{ type: 'vault.discard', fields: ['cardNumber', 'expiry', 'securityCode', 'postalCode'] }]);
  });
});

describe('the reference number', () => {
  it('is repeated on 1 up to the flow’s limit, after which 1 says goodbye', () => {
    const repeats = DEFAULT_FLOW.maxReferenceRepeats;
    const { snapshots, snapshot } = play(DEFAULT_FLOW, [...toProcessing(DEFAULT_FLOW), APPROVED, ...Array<CaptureEvent>(repeats + 1).fill(keys('1'))]);
    const afterApproval = snapshots.slice(-(repeats + 2));
    expect(afterApproval[0]!.value).toBe(STATE.succeeded);
    expect(noticeKeys(afterApproval[0]!)).toEqual(['approved']);
    for (let i = 1; i <= repeats; i += 1) {
      expect(afterApproval[i]!.value).toBe(STATE.succeeded);
      expect(afterApproval[i]!.context.referenceRepeats).toBe(i);
      expect(noticeKeys(afterApproval[i]!)).toEqual(['approved']);
    }
    expect(snapshot.value).toBe(STATE.completed);
    expect(noticeKeys(snapshot)).toEqual(['goodbye']);
  });

  it('is never repeated when the flow allows no repeats', () => {
    const flow = variant(() => ({ maxReferenceRepeats: 0 }));
    const { snapshot } = play(flow, [...toProcessing(flow), APPROVED, keys('1')]);
    expect(snapshot.value).toBe(STATE.completed);
  });

  it('when the caller stays silent after the approval, the capture says goodbye', () => {
    const { snapshot } = play(DEFAULT_FLOW, [...toProcessing(DEFAULT_FLOW), APPROVED, TIMEOUT]);
    expect(snapshot.value).toBe(STATE.completed);
    expect(noticeKeys(snapshot)).toEqual(['goodbye']);
    expect(snapshot.context.reference).toBe(REFERENCE);
  });
});

describe('card data never stays in the machine', () => {
  /** Fewer events per state than the coverage walk, so that enumerating simple paths stays tractable. */
  function eventsFor(snapshot: Snapshot): CaptureEvent[] {
    const brandCode = snapshot.context.card?.brand === 'american-express' ? SECURITY_CODE.amex : SECURITY_CODE.visa;
    // Field states are built from the flow, so the value type does not list them: compare as text.
    switch (String(snapshot.value)) {
      case STATE.collectingPayCode:
        return [PAY_CODE_FOUND, PAY_CODE_UNKNOWN];
      case STATE.collectingCardNumber:
        return [keys(CARD.visa), keys(CARD.amex), keys(CARD.luhnFail), keys('*')];
      case STATE.collectingExpiry:
        return [keys(EXPIRY.ok), keys(EXPIRY.past), keys('*')];
      case STATE.collectingSecurityCode:
        return [keys(brandCode), keys(SECURITY_CODE.wrongLength), keys('*')];
      case STATE.awaitingAgent:
        return [{ type: 'agent.confirmed' }, { type: 'agent.reenter' }, { type: 'agent.timedOut' }];
      case STATE.confirming:
        return [keys('1'), keys('2'), keys('9')];
      case STATE.processing:
        return [APPROVED, declined('card_declined'), HANG_UP];
      case STATE.declined:
        return [keys('1'), keys('2'), HANG_UP];
      case STATE.succeeded:
        return [keys('1'), TIMEOUT];
      default:
        return [];
    }
  }

  /** Coarse on purpose: bounds how often a path may loop through a step, and so the depth of the walk. */
  const serializeCoarse = (snapshot: Snapshot): string =>
    JSON.stringify([snapshot.value, snapshot.context.attempts, snapshot.context.chargeAttempts]);

  // Two tries and two cards keep the walk to thousands of paths; more multiply it beyond a test's budget.
  const bounded = { tries: { payCode: 2, cardNumber: 2, expiry: 2, securityCode: 2, postalCode: 2, choice: 2 }, maxCardAttempts: 2 };
  const walked: Array<[string, Flow]> = [
    ['the default flow', variant(() => bounded)],
    ['a flow asking the expiry first', variant(() => ({ ...bounded, fieldOrder: ['expiry', 'cardNumber', 'securityCode'] }))],
    ['a flow where an agent confirms the card number', variant(() => ({ ...bounded, agentConfirmsCardNumber: true }))],
  ];

  /** Paths share long prefixes; a tree of their events lets each prefix be played only once. */
  interface Branch {
    event: CaptureEvent;
    next: Map<string, Branch>;
  }
  function treeOf(paths: Path[]): Map<string, Branch> {
    const root = new Map<string, Branch>();
    for (const path of paths) {
      let level = root;
      for (const event of eventsOf(path)) {
        const key = JSON.stringify(event);
        let branch = level.get(key);
        if (!branch) {
          branch = { event, next: new Map() };
          level.set(key, branch);
        }
        level = branch.next;
      }
    }
    return root;
  }

  it.each(walked)('no context reached on any simple path of %s holds card data, which leaves only by vault.put', (_name, flow) => {
    const machine = machineFor(flow);
    const paths = getSimplePaths(machine, { input: SELF_SERVICE, events: eventsFor, serializeState: serializeCoarse });
    expect(paths.length).toBeGreaterThan(5000);

    const leaks: string[] = [];
    let checked = 0;
    let puts = 0;
    const walk = (snapshot: Snapshot, level: Map<string, Branch>, trail: string[]) => {
      for (const { event, next } of level.values()) {
        const [after, actions] = transition(machine, snapshot, event);
        const here = [...trail, `${event.type}${event.type === 'dtmf.entered' ? ` ${event.digits}` : ''} -> ${String(after.value)}`];
        const context = JSON.stringify(after.context);
        checked += 1;
        for (const secret of SECRETS) if (context.includes(secret)) leaks.push(`${secret} in context after ${here.join(', ')}`);
        for (const emitted of emittedBy(actions)) {
          if (emitted.type !== 'vault.put') continue;
          puts += 1;
          // The vault receives exactly what the caller typed for the field, and nothing else does.
          if (event.type !== 'dtmf.entered' || emitted.value !== event.digits) leaks.push(`vault.put of something not typed after ${here.join(', ')}`);
        }
        walk(after, next, here);
      }
    };
    walk(initialTransition(machine, SELF_SERVICE)[0], treeOf(paths), []);

    expect(leaks).toEqual([]);
    expect(checked).toBeGreaterThan(5000);
    expect(puts).toBeGreaterThan(0);
  });
});

describe.each([
  ['the default flow', DEFAULT_FLOW],
  ['a flow where an agent confirms the card number', AGENT_CONFIRMS],
] as Array<[string, Flow]>)('the model of a save_card capture in %s', (_name, flow) => {
  const SAVE: CaptureInput = { locale: 'en-US', payment: { ...PAYMENT, amount: '0.00', description: null, intent: 'save_card' } };
  const SAVE_EVENTS: CaptureEvent[] = [...TYPED.map(keys), TIMEOUT, APPROVED, ...DECLINE_CODES.map(declined), { type: 'agent.confirmed' }, HANG_UP];
  let reached: Snapshot[];

  beforeAll(() => {
    reached = getShortestPaths(machineFor(flow), { input: SAVE, events: SAVE_EVENTS, serializeState: serializeForCoverage }).map((p) => p.state);
  });

  it('asks to save the card and never to confirm an amount', () => {
    const values = new Set(reached.map((s) => String(s.value)));
    expect(values.has(STATE.confirmingSave)).toBe(true);
    expect(values.has(STATE.confirming)).toBe(false);
    const meanings = reached.map((s) => meaningOf(machineFor(flow), { value: String(s.value), context: s.context }).step);
    expect(meanings).toContain('confirmSave');
    expect(meanings).not.toContain('confirm');
  });

  it('never says the amount prompts, and says "saved" where a charge says "approved"', () => {
    const heard = new Set(reached.flatMap(noticeKeys));
    expect(heard.has('intro')).toBe(false);
    expect(heard.has('approved')).toBe(false);
    expect(heard.has('intro.save')).toBe(true);
    expect(heard.has('saved')).toBe(true);
  });

  it('saves from the question with 1, like a charge: the approval succeeds with the reference', () => {
    const agentCheck: CaptureEvent[] = flow.agentConfirmsCardNumber ? [{ type: 'agent.confirmed' }] : [];
    const [cardNumber, ...rest] = visaAnswers(flow);
    const run = play(flow, [cardNumber!, ...agentCheck, ...rest, keys('1')], SAVE);
    expect(run.snapshot.value).toBe(STATE.processing);
    const approved = transition(machineFor(flow), run.snapshot, APPROVED)[0];
    expect(approved.value).toBe(STATE.succeeded);
    expect(approved.context.reference).toBe(REFERENCE);
    expect(noticeKeys(approved)).toEqual(['saved']);
  });
});
