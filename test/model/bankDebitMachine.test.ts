import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EventFromLogic, SnapshotFrom } from 'xstate';
import { getShortestPaths, getStateNodes, type StatePath } from 'xstate/graph';
import { createCaptureMachine, STATE, type CaptureMachine } from '../../src/core/capture/machine';
import { meaningOf } from '../../src/core/capture/meaning';
import type { CaptureEvent, CaptureInput, PaymentSummary } from '../../src/core/capture/types';
import { parseFlow } from '../../src/core/flows/loadFlows';
import { requiredPromptKeys, type PromptKey } from '../../src/core/flows/promptKeys';
import { fieldsOf, flowSchema, type Flow } from '../../src/core/flows/schema';
import { playCapture } from '../support/captureRuns';

type Snapshot = SnapshotFrom<CaptureMachine>;
type Path = StatePath<Snapshot, EventFromLogic<CaptureMachine>>;

const ACH_FLOW = parseFlow(readFileSync(join(__dirname, '../../flows/ach.json'), 'utf8'), 'flows/ach.json');
const AT = '2025-06-15T12:00:00.000Z';

/** Stripe's test bank numbers, and entries each rule refuses. */
const ROUTING = { ok: '110000000', checksum: '110000001', short: '11000000' };
const ACCOUNT = { ok: '000123456789', other: '000222222227', short: '123' };

const PAYMENT: PaymentSummary = { id: 'pay_model_ach', amount: '42.00', currency: 'USD', description: null };
const WITH_PAYMENT: CaptureInput = { locale: 'en-US', payment: PAYMENT };
const SELF_SERVICE: CaptureInput = { locale: 'en-US', payment: null };

const keys = (digits: string, sameAsAccountNumber?: boolean): CaptureEvent =>
  sameAsAccountNumber === undefined ? { type: 'dtmf.entered', digits, at: AT } : { type: 'dtmf.entered', digits, at: AT, sameAsAccountNumber };
const SUBMITTED: CaptureEvent = { type: 'processor.submitted', reference: '40718263', processorReference: 'pi_ach_model' };

/**
 * What a caller can type: the runner answers `sameAsAccountNumber` for the repeat, so the walk sends
 * the account number both as matching and as not matching the first entry.
 */
const SAMPLE_EVENTS: CaptureEvent[] = [
  { type: 'payCode.entered', payment: PAYMENT },
  ...[ROUTING.ok, ROUTING.checksum, ROUTING.short, ACCOUNT.short, '', '*', '1', '2', '9'].map((d) => keys(d)),
  keys(ACCOUNT.ok, true),
  keys(ACCOUNT.other, false),
  { type: 'dtmf.timedOut' },
  SUBMITTED,
  { type: 'processor.approved', reference: '40718263' },
  { type: 'processor.declined', code: 'account_closed', message: 'closed' },
  { type: 'processor.declined', code: 'processing_error', message: 'error' },
  { type: 'processor.overdue' },
  { type: 'call.hungUp' },
  { type: 'call.refused', notice: 'payment.unavailable' },
];

const SECRETS = [ROUTING.ok, ROUTING.checksum, ACCOUNT.ok, ACCOUNT.other];

function play(flow: Flow, events: CaptureEvent[], input: CaptureInput = WITH_PAYMENT) {
  const machine = createCaptureMachine(flow);
  return { ...playCapture(machine, events, input), machine };
}

const meaning = (machine: CaptureMachine, s: Snapshot) => meaningOf(machine, { value: String(s.value), context: s.context });
const noticeKeys = (s: Snapshot): PromptKey[] => s.context.notices.map((n) => n.key);
const ANSWERS = [keys(ROUTING.ok), keys(ACCOUNT.ok), keys(ACCOUNT.ok, true), keys('2')];

function serialize(snapshot: Snapshot): string {
  const c = snapshot.context;
  return JSON.stringify([snapshot.value, c.attempts, c.chargeAttempts, c.accountMismatches ?? 0, c.callEnded, c.notices.map((n) => n.key), c.failure?.code ?? null, c.bankAccount ?? null]);
}

describe('bank debit capture machine (flows/ach.json)', () => {
  const machine = createCaptureMachine(ACH_FLOW);
  let paths: Path[];

  beforeAll(() => {
    paths = getShortestPaths(machine, { input: SELF_SERVICE, events: SAMPLE_EVENTS, serializeState: serialize });
  });

  it('asks the routing number, the account number twice and the account type, in that order', () => {
    expect(fieldsOf(ACH_FLOW)).toEqual(['routingNumber', 'accountNumber', 'accountNumberAgain', 'accountType']);
    const run = play(ACH_FLOW, [...ANSWERS]);
    expect(run.snapshots.map((s) => String(s.value))).toEqual([
      STATE.collectingAccountNumber,
      STATE.collectingAccountNumberAgain,
      STATE.collectingAccountType,
      STATE.authorizing,
    ]);
    expect(run.snapshot.context.bankAccount).toEqual({ last4: '6789', accountType: 'savings' });
  });

  it('reaches every bank state, and none of a card flow', () => {
    const reached = new Set(paths.map((p) => String(p.state.value)));
    const stateKeys = getStateNodes(machine).map((n) => n.key);
    const cardOnly: string[] = [
      STATE.collectingCardNumber,
      STATE.collectingExpiry,
      STATE.collectingSecurityCode,
      STATE.collectingPostalCode,
      STATE.awaitingAgent,
      STATE.confirming,
      STATE.confirmingSave,
      STATE.start,
    ];
    for (const key of stateKeys) {
      if (cardOnly.includes(key)) expect({ key, reached: reached.has(key) }).toEqual({ key, reached: false });
      else expect({ key, reached: reached.has(key) }).toEqual({ key, reached: true });
    }
  });

  it('never holds a routing or account number in its context, on any path', () => {
    for (const path of paths) {
      const text = JSON.stringify(path.state.context);
      for (const secret of SECRETS) expect(text.includes(secret)).toBe(false);
    }
  });

  it('vaults the routing and account numbers only: never the repeat, never the account type', () => {
    const run = play(ACH_FLOW, ANSWERS);
    expect(run.emitted).toEqual([
      [{ type: 'vault.put', field: 'routingNumber', value: ROUTING.ok }],
      [{ type: 'vault.put', field: 'accountNumber', value: ACCOUNT.ok }],
      [],
      [],
    ]);
  });

  it('refuses a routing number failing the ABA checksum with its own prompt', () => {
    const run = play(ACH_FLOW, [keys(ROUTING.checksum), keys(ROUTING.short)]);
    expect(noticeKeys(run.snapshots[0]!)).toEqual(['routingNumber.error.checksum']);
    expect(noticeKeys(run.snapshots[1]!)).toEqual(['routingNumber.error.length']);
    expect(run.emitted.flat()).toEqual([]);
  });

  it('asks the account number again from the start when the two entries differ, up to the flow’s tries', () => {
    const run = play(ACH_FLOW, [keys(ROUTING.ok), keys(ACCOUNT.ok), keys(ACCOUNT.other, false)]);
    expect(run.snapshot.value).toBe(STATE.collectingAccountNumber);
    expect(noticeKeys(run.snapshot)).toEqual(['accountNumberAgain.error.mismatch']);
    expect(run.snapshot.context.bankAccount).toBeNull();
    expect(run.emitted[2]).toEqual([{ type: 'vault.discard', fields: ['accountNumber'] }]);
    const mismatch = [keys(ACCOUNT.ok), keys(ACCOUNT.other, false)];
    const tries = ACH_FLOW.tries.accountNumber;
    const out = play(ACH_FLOW, [keys(ROUTING.ok), ...Array.from({ length: tries }, () => mismatch).flat()]);
    expect(out.snapshot.value).toBe(STATE.failed);
    expect(out.snapshot.context.failure?.code).toBe('too_many_attempts');
  });

  it('a matching repeat is refused when the runner found it different, even with the same digits', () => {
    // The machine never sees the first entry: only the runner's comparison decides.
    const run = play(ACH_FLOW, [keys(ROUTING.ok), keys(ACCOUNT.ok), keys(ACCOUNT.ok, false)]);
    expect(run.snapshot.value).toBe(STATE.collectingAccountNumber);
  });

  it('speaks the authorisation, and keeps the acceptance with time, amount, last 4 and the words’ hash before charging', () => {
    const run = play(ACH_FLOW, [...ANSWERS, keys('1')]);
    expect(run.snapshot.value).toBe(STATE.processing);
    expect(meaning(run.machine, run.snapshots[3]!).step).toBe('authorize');
    const text = ACH_FLOW.locales['en-US']!.prompts['authorization.ask']!;
    expect(run.snapshot.context.debitAuthorization).toEqual({
      acceptedAt: AT,
      method: 'phone_keypress',
      amount: '42.00',
      currency: 'USD',
      accountLast4: '6789',
      accountType: 'savings',
      flowId: 'ach',
      flowVersion: ACH_FLOW.version,
      locale: 'en-US',
      textSha256: createHash('sha256').update(text).digest('hex'),
    });
  });

  it('every path into the charge passed the accepted authorisation', () => {
    const charging = paths.filter((p) => meaning(machine, p.state).needsCharge);
    expect(charging.length).toBeGreaterThan(0);
    for (const path of charging) {
      const { debitAuthorization, bankAccount } = path.state.context;
      expect(debitAuthorization?.accountLast4).toMatch(/^[0-9]{4}$/);
      expect(debitAuthorization?.accountLast4).toBe(bankAccount?.last4);
      expect(debitAuthorization?.accountType).toBe(bankAccount?.accountType);
    }
  });

  it('2 at the authorisation starts the account again and forgets it', () => {
    const run = play(ACH_FLOW, [...ANSWERS, keys('2')]);
    expect(run.snapshot.value).toBe(STATE.collectingRoutingNumber);
    expect(run.snapshot.context.bankAccount).toBeNull();
    expect(run.snapshot.context.debitAuthorization).toBeNull();
    expect(run.emitted[4]).toEqual([{ type: 'vault.discard', fields: ['routingNumber', 'accountNumber', 'accountNumberAgain', 'accountType'] }]);
  });

  it('a submitted debit ends the call with its reference, the payment still processing', () => {
    const run = play(ACH_FLOW, [...ANSWERS, keys('1'), SUBMITTED]);
    expect(run.snapshot.value).toBe(STATE.submitted);
    const m = meaning(run.machine, run.snapshot);
    expect(m).toMatchObject({ status: 'processing', final: true, holdsCardData: false, needsCharge: false, outcome: null });
    expect(noticeKeys(run.snapshot)).toEqual(['submitted']);
    expect(run.snapshot.context.reference).toBe('40718263');
    expect(run.snapshot.context.processorReference).toBe('pi_ach_model');
  });

  it('a debit refused at once is heard as the bank prompt, and another account may be tried', () => {
    const run = play(ACH_FLOW, [...ANSWERS, keys('1'), { type: 'processor.declined', code: 'account_closed', message: 'closed' }]);
    expect(run.snapshot.value).toBe(STATE.declined);
    expect(noticeKeys(run.snapshot)).toEqual(['declined.bank']);
  });

  it('speaks only prompts the flow file defines', () => {
    const defined = new Set(Object.keys(ACH_FLOW.locales['en-US']!.prompts));
    for (const path of paths) for (const key of noticeKeys(path.state)) expect({ key, defined: defined.has(key) }).toEqual({ key, defined: true });
    expect(requiredPromptKeys(ACH_FLOW).filter((k) => !defined.has(k))).toEqual([]);
  });

  it('the flow schema refuses a bank-debit flow led by an agent or asking a postal code', () => {
    const raw = JSON.parse(readFileSync(join(__dirname, '../../flows/ach.json'), 'utf8')) as Record<string, unknown>;
    expect(flowSchema.safeParse({ ...raw, postalCode: { country: 'US' } }).success).toBe(false);
    expect(flowSchema.safeParse({ ...raw, agentConfirmsCardNumber: true }).success).toBe(false);
    const withoutWords = structuredClone(raw) as { locales: Record<string, { prompts: Record<string, string> }> };
    delete withoutWords.locales['en-US']!.prompts['authorization.ask'];
    expect(flowSchema.safeParse(withoutWords).success).toBe(false);
  });
});
