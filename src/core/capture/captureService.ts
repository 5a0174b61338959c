import type { Logger } from '../../observability/logger';
import type { GatewayMetrics } from '../../observability/metrics';
import type { Clock } from '../../ports/clock';
import type { ChargeAnswer, ChargeLookUp, ChargeRequest, ChargeResult, Processor } from '../../ports/processor';
import type { CardBrand } from '../domain/cardBrand';
import type { CardRefs, SensitiveField, TokenRefs, Vault } from '../../ports/vault';
import type { CaptureField, Flow } from '../flows/schema';
import { summarize, type PaymentService } from '../payments/paymentService';
import type { PaymentMethodService } from '../payments/paymentMethodService';
import { isPayCodeShape } from '../domain/codes';
import type { CallSession, CallSessionRepository, StoredState } from './callSession';
import type { CaptureObserver } from './captureObserver';
import type { CallFlows } from './callFlows';
import { localeOf, type CompiledFlow, type FlowRegistry } from './flowRegistry';
import type { PendingCharge, PendingCharges } from './pendingCharges';
import { AGENT_EVENTS, GUIDE_EVENTS, meaningOf, type AgentAction, type GuideAction, type StateMeaning } from './meaning';
import { projectPayment, projectionChanged } from './projection';
import { pureInitialTransition, pureTransition } from './pureTransition';
import type { CaptureEmitted, CaptureEvent, PaymentSummary } from './types';
import { UPDATE_ATTEMPTS } from '../records/recordStore';
import { returnUrlFor } from '../payments/returnUrl';
import type { PaymentTerms } from '../payments/payment';

/** What a state is rendered from; `turn` goes into every URL the rendering holds. */
export interface RenderInput {
  flow: Flow;
  state: StoredState;
  /** What the state means: the step decides what the caller is asked, or whether the call ends. */
  meaning: StateMeaning;
  turn: number;
  /** The caller's own check coming back while nothing changed: they already heard why they hold. */
  polled?: boolean;
  /** A capture that ends sends the caller here (back to their agent) instead of hanging up. */
  returnTo?: string;
  /** The caller goes back to the merchant's own TwiML (a payment's return URL), which speaks for itself: no "returning you to your agent". */
  returnQuietly?: boolean;
}

/** Renders a state as the caller's next instructions (TwiML). */
export type Renderer = (input: RenderInput) => string;

/** What a webhook brought: keys from a `<Gather>`, or a `<Redirect>` coming back to check progress. */
export type TurnInput = { kind: 'keys'; digits: string; finishedOnKey: string } | { kind: 'poll' };

export interface CaptureServiceDeps {
  flows: FlowRegistry;
  /** The flow each call started on, whichever process takes its webhook. */
  callFlows: CallFlows;
  sessions: CallSessionRepository;
  payments: PaymentService;
  vault: Vault;
  processor: Processor;
  clock: Clock;
  logger: Logger;
  render: Renderer;
  /** How long a webhook waits for the processor before the caller hears a holding message. */
  processorTimeoutMs: number;
  /**
   * How long, from the start of a charge, a caller may be held for the processor's answer; past
   * it the caller hears that the result will follow, and the charge is settled after the call.
   */
  holdLimitMs: number;
  /** Charges waiting for the processor's answer, shared by every process. */
  pendingCharges: PendingCharges;
  /** How long an ended call's session is kept, so late duplicates still get their answer. */
  endedSessionTtlSeconds?: number;
  /** Counts ended captures; optional so the service can run without metrics. */
  metrics?: Pick<GatewayMetrics, 'captureTransition'>;
  /** Follows committed turns (agent bridge, live events); optional. */
  observer?: CaptureObserver;
  /** Saves the card of a `save_card` payment instead of charging it; without it such a capture is declined. */
  paymentMethods?: Pick<PaymentMethodService, 'saveFromCapture' | 'lookUpSave'>;
}

/**
 * Where an agent-guided capture stands after a change: the field whose keys the relay collects now
 * (null: keys are ignored), and whether the capture is over. `turn` orders the changes of one call.
 */
export interface GuidedState {
  field: CaptureField | null;
  final: boolean;
  turn: number;
}

/** A turn re-reads after a lost race (and then answers as the winner did); the store's one bound on that. */
const MAX_RACE_RETRIES = UPDATE_ATTEMPTS;
/** Longest accepted keypad entry; anything longer is junk and gets the re-prompt for a mistake. */
const MAX_DIGITS = 40;

/**
 * The turn runner: one webhook is one turn. It loads the call's state, sends one event through the
 * pure machine, carries out what the machine asked for (vault writes, a charge), commits the new
 * state with compare-and-set, and answers with the rendered TwiML. Nothing lives in process memory
 * but charges in flight, so any process can take the next webhook of any call.
 */
export class CaptureService {
  private readonly chargesInFlight = new Map<string, Promise<string | null>>();

  constructor(private readonly deps: CaptureServiceDeps) {}

  /** A call arrives: at the self-service number (no payment yet) or at a payment's voice URL. */
  async startCall(callSid: string, start: { flowId?: string; locale?: string | null; paymentId?: string }): Promise<string> {
    const existing = await this.deps.sessions.get(callSid);
    // A live call redirected to a payment it is not capturing yet starts that capture afresh;
    // anything else is a duplicate delivery and gets the answer already given.
    const redirectedToPayment = existing && start.paymentId && existing.value.paymentId !== start.paymentId;
    if (existing && !redirectedToPayment) return this.replay(existing.value, existing.value.turn - 1);

    let flowId = start.flowId ?? this.deps.flows.defaultFlowId;
    let wantedLocale = start.locale ?? null;
    let payment = null;
    let returnUrl: string | null = null;
    if (start.paymentId) {
      const stored = await this.deps.payments.get(start.paymentId);
      // An agent-guided payment is typed through the relay while the agent listens, never at a voice URL.
      const guided = stored !== null && this.deps.flows.has(stored.flowId) && this.deps.flows.get(stored.flowId).flow.guide === 'agent';
      payment = stored && !guided ? await this.deps.payments.claimForCall(stored.id, callSid) : null;
      if (!stored || !payment) return this.renderEnding(this.deps.flows.get(flowId), wantedLocale, 'payment.unavailable');
      flowId = stored.flowId;
      wantedLocale = stored.locale;
      returnUrl = stored.returnUrl ?? null;
    }
    const [compiled, followed] = await Promise.all([this.deps.callFlows.pin(flowId), this.follows(callSid)]);
    const { flow, machine } = compiled;
    const locale = localeOf(flow, wantedLocale);
    const [snapshot] = pureInitialTransition(machine, { locale, payment });
    const state: StoredState = { value: String(snapshot.value), context: snapshot.context };
    // A replaced session keeps counting turns, so URLs of its earlier documents stay stale.
    const session: CallSession = {
      callSid,
      flowId: flow.id,
      flowVersion: flow.version,
      flowHash: compiled.hash,
      paymentId: payment?.id ?? null,
      turn: existing ? existing.value.turn + 1 : 1,
      state,
      vaultRefs: {},
      lastReply: null,
      startedAt: this.deps.clock.now().toISOString(),
      followed,
      ...(returnUrl ? { returnUrl } : {}),
    };
    const twiml = this.say({ flow, state, meaning: meaningOf(machine, state), turn: session.turn });
    session.lastReply = { turn: 0, twiml };
    if (existing) await this.discardAll(existing.value);
    const version = await this.deps.sessions.save(session, existing?.version ?? 0);
    if (version === null) {
      // A duplicate delivery of the same first webhook won the race: answer as it did.
      const winner = await this.deps.sessions.get(callSid);
      return winner ? this.replay(winner.value, 0) : twiml;
    }
    if (session.paymentId) await this.project(session, version);
    await this.notify({ before: null, after: session, final: false });
    this.log(session).info('call started', { state: state.value, flowId: flow.id });
    return twiml;
  }

  /** One `<Gather>` or `<Redirect>` coming back. `turn` is the one the TwiML carried in its URL. */
  async takeTurn(callSid: string, turn: number, input: TurnInput): Promise<string> {
    // The session as this process last committed it stands in for the first read when it is at this
    // turn: a call's next webhook mostly reaches the process that answered the last one, and the read
    // is a round trip on every turn. It is used only on a path that ends in the commit's
    // compare-and-set, which refuses it if another process wrote since (the loop then reads); any
    // other answer (a replay, a poll, the charge, the pay code's claim) is taken from a read.
    // A poll is answered from a read whatever the copy says: it is not even looked at then.
    let guess = input.kind === 'poll' ? null : this.deps.sessions.lastWritten(callSid);
    for (let i = 0; i < MAX_RACE_RETRIES; i += 1) {
      const guessed = guess !== null && guess.value.turn === turn;
      const found = guessed ? guess : await this.deps.sessions.get(callSid);
      guess = null;
      if (!found) return this.renderEnding(this.deps.flows.default, null, 'error.system');
      const { value: session, version } = found;
      if (turn !== session.turn) return this.replay(session, turn);

      const { flow, machine } = await this.flowOf(session);
      // Twilio sends no webhook turns for a call on the media relay: nothing from one may drive its capture.
      if (flow.guide === 'agent') return this.apology();
      const meaning = meaningOf(machine, session.state);
      if (guessed && (meaning.needsCharge || meaning.step === 'payCode')) continue;
      const event = await this.eventFor(session, meaning, input, flow);
      if (event === 'charge') return this.awaitCharge(session, turn);
      if (event === null) return this.say({ flow, state: session.state, meaning, turn: session.turn, polled: input.kind === 'poll' });

      const outcome = await this.advance(session, version, event, turn, meaning);
      if (outcome) return outcome;
      // Lost a race with a parallel delivery: loop, and the turn check answers as the winner did.
    }
    throw new Error(`call ${callSid}: too many concurrent webhooks`);
  }

  /** What the caller hears when a webhook cannot be answered: an apology, then the call ends. */
  apology(): string {
    return this.renderEnding(this.deps.flows.default, null, 'error.system');
  }

  /**
   * The agent's part in an agent-assisted capture: confirm or reject the card number, cancel, or try
   * another card after a decline. Committed with compare-and-set like a caller's turn; answers the
   * turn after the action, or null when the capture does not take that action now.
   */
  async agentAction(callSid: string, action: AgentAction): Promise<{ turn: number } | null> {
    for (let i = 0; i < MAX_RACE_RETRIES; i += 1) {
      const found = await this.deps.sessions.get(callSid);
      if (!found || !(await this.meaningOf(found.value)).agentMay[action]) return null;
      const outcome = await this.advance(found.value, found.version, AGENT_EVENTS[action], null);
      if (outcome !== null) {
        const now = await this.deps.sessions.get(callSid);
        return now ? { turn: now.value.turn } : null;
      }
    }
    throw new Error(`call ${callSid}: too many concurrent updates for an agent action`);
  }

  /**
   * Starts an agent-guided capture of a payment on a call whose audio the gateway relays: nothing is
   * asked until the agent asks for a field. Null when the payment cannot be taken on this call, or
   * when a capture is still under way on it.
   */
  async startGuided(callSid: string, paymentId: string): Promise<GuidedState | null> {
    const existing = await this.deps.sessions.get(callSid);
    if (existing && !(await this.isFinal(existing.value))) return null;
    const stored = await this.deps.payments.get(paymentId);
    if (!stored || !this.deps.flows.has(stored.flowId) || this.deps.flows.get(stored.flowId).flow.guide !== 'agent') return null;
    const payment = await this.deps.payments.claimForCall(stored.id, callSid);
    if (!payment) return null;
    const { flow, machine, hash } = await this.deps.callFlows.pin(stored.flowId);
    const [snapshot] = pureInitialTransition(machine, { locale: localeOf(flow, stored.locale), payment });
    const session: CallSession = {
      callSid,
      flowId: flow.id,
      flowVersion: flow.version,
      flowHash: hash,
      paymentId: payment.id,
      turn: existing ? existing.value.turn + 1 : 1,
      state: { value: String(snapshot.value), context: snapshot.context },
      vaultRefs: {},
      lastReply: null,
      startedAt: this.deps.clock.now().toISOString(),
    };
    if (existing) await this.discardAll(existing.value);
    const version = await this.deps.sessions.save(session, existing?.version ?? 0);
    if (version === null) return null;
    await this.project(session, version);
    await this.notify({ before: null, after: session, final: false });
    this.log(session).info('agent-guided capture started', { flowId: flow.id });
    return this.guidedStateOf(session);
  }

  /** The agent asks the caller for a field, or charges; null when the capture does not take that now. */
  guideAction(callSid: string, action: GuideAction): Promise<GuidedState | null> {
    return this.guide(callSid, () => GUIDE_EVENTS[action]);
  }

  /**
   * The keys of the field being asked, whole, as a `<Gather>` would hand them over (the finish key
   * removed). Keys collected for a field the capture no longer asks are dropped unread.
   */
  submitField(callSid: string, field: CaptureField, digits: string): Promise<GuidedState | null> {
    const at = this.deps.clock.now().toISOString();
    // Over-long or non-keypad input is kept as junk so that it fails the field's checks.
    const entered = digits.length > MAX_DIGITS || /[^0-9*#]/.test(digits) ? 'x' : digits;
    return this.guide(callSid, (meaning) => (meaning.field === field ? { type: 'dtmf.entered', digits: entered, at } : null));
  }

  /** Nothing was typed for the field within its timeout: the field is no longer asked. */
  fieldTimedOut(callSid: string, field: CaptureField): Promise<GuidedState | null> {
    return this.guide(callSid, (meaning) => (meaning.field === field ? { type: 'dtmf.timedOut' } : null));
  }

  /** How many keys the caller has typed into the field being asked: told to the observer, never stored. */
  async keysTyped(callSid: string, field: CaptureField, keys: number): Promise<void> {
    if (!this.deps.observer?.keysTyped) return;
    const found = await this.deps.sessions.get(callSid);
    if (!found || (await this.meaningOf(found.value)).field !== field) return;
    try {
      await this.deps.observer.keysTyped(found.value, field, keys);
    } catch (error) {
      this.log(found.value).warn('capture observer failed on typing progress', { error });
    }
  }

  /**
   * The caller's media stream broke off without Twilio ending the call: an agent-guided capture ends
   * as the line dropped, and what was entered is wiped (a charge already sent still stands).
   */
  async streamEnded(callSid: string): Promise<void> {
    for (let i = 0; i < MAX_RACE_RETRIES; i += 1) {
      const found = await this.deps.sessions.get(callSid);
      if (!found) return;
      const { machine } = await this.flowOf(found.value);
      if (!machine.resolveState(found.value.state).can({ type: 'call.dropped' })) return;
      if ((await this.advance(found.value, found.version, { type: 'call.dropped' }, null)) !== null) return;
    }
  }

  /** Where a call's agent-guided capture stands; null when the call has none. */
  async guidedState(callSid: string): Promise<GuidedState | null> {
    const found = await this.deps.sessions.get(callSid);
    return found ? this.guidedStateOf(found.value) : null;
  }

  /** Sends an event an agent-guided capture takes now, committed with compare-and-set like any turn. */
  private async guide(callSid: string, eventFor: (meaning: StateMeaning) => CaptureEvent | null): Promise<GuidedState | null> {
    for (let i = 0; i < MAX_RACE_RETRIES; i += 1) {
      const found = await this.deps.sessions.get(callSid);
      if (!found) return null;
      const { flow, machine } = await this.flowOf(found.value);
      if (flow.guide !== 'agent') return null;
      const event = eventFor(meaningOf(machine, found.value.state));
      if (!event || !machine.resolveState(found.value.state).can(event)) return null;
      if ((await this.advance(found.value, found.version, event, null)) !== null) return this.guidedState(callSid);
    }
    throw new Error(`call ${callSid}: too many concurrent updates of an agent-guided capture`);
  }

  private async guidedStateOf(session: CallSession): Promise<GuidedState | null> {
    const { flow, machine } = await this.flowOf(session);
    if (flow.guide !== 'agent') return null;
    const meaning = meaningOf(machine, session.state);
    return { field: meaning.field, final: meaning.final, turn: session.turn };
  }

  /** Twilio says the call ended: the capture ends and what was entered is wiped. */
  async hangUp(callSid: string): Promise<void> {
    for (let i = 0; i < MAX_RACE_RETRIES; i += 1) {
      const found = await this.deps.sessions.get(callSid);
      if (!found || (await this.isFinal(found.value))) return;
      const outcome = await this.advance(found.value, found.version, { type: 'call.hungUp' }, null);
      if (outcome !== null) return;
    }
  }

  /** Turns raw webhook input into the machine's event; 'charge' when the turn is about the charge. */
  private async eventFor(session: CallSession, meaning: StateMeaning, input: TurnInput, flow: Flow): Promise<CaptureEvent | 'charge' | null> {
    const at = this.deps.clock.now().toISOString();
    if (meaning.needsCharge) return 'charge';
    if (input.kind === 'poll') {
      if (meaning.step === 'agentCheck' && session.state.context.waitingSince) {
        const waitedMs = Date.parse(at) - Date.parse(session.state.context.waitingSince);
        if (waitedMs > flow.agentConfirmTimeoutSeconds * 1000) return { type: 'agent.timedOut' };
      }
      return null;
    }
    const digits = input.digits.slice(0, MAX_DIGITS + 1);
    if (digits === '' && input.finishedOnKey !== '#') return { type: 'dtmf.timedOut' };
    if (meaning.step === 'payCode') {
      const found = isPayCodeShape(digits) ? await this.lookUpPayCode(digits, session) : { payment: null };
      return { type: 'payCode.entered', ...found };
    }
    // Over-long or non-keypad input is kept as junk so that it fails the field's checks.
    const entered = digits.length > MAX_DIGITS || /[^0-9*#]/.test(digits) ? 'x' : digits;
    if (meaning.field === 'accountNumberAgain') return { type: 'dtmf.entered', digits: entered, at, sameAsAccountNumber: await this.sameAsAccountNumber(session, entered) };
    return { type: 'dtmf.entered', digits: entered, at };
  }

  /** Whether the account number typed again equals the vaulted first entry; the vault compares, nothing here sees it. */
  private async sameAsAccountNumber(session: CallSession, digits: string): Promise<boolean> {
    const ref = session.vaultRefs.accountNumber;
    if (!session.paymentId || !ref || !/^[0-9]+$/.test(digits)) return false;
    return this.deps.vault.matches(session.paymentId, ref, digits);
  }

  private async lookUpPayCode(payCode: string, session: CallSession): Promise<{ payment: PaymentSummary | null; locale?: string }> {
    const stored = await this.deps.payments.claimByPayCode(payCode, session.callSid);
    if (!stored) return { payment: null };
    const payment = summarize(stored);
    // A payment made for a language is spoken in it from here on. One left at the flow's default
    // language (a payment made without a locale is stored with it) keeps the language the call
    // was started in, e.g. a Spanish line's.
    const { flow } = await this.flowOf(session);
    const ownLanguage = stored.locale !== flow.defaultLocale && stored.locale in flow.locales;
    return ownLanguage ? { payment, locale: stored.locale } : { payment };
  }

  /**
   * Sends one event, carries out the machine's requests, and commits. Returns the TwiML for
   * `replyTurn`, or null when another webhook committed first (nothing of ours is kept then).
   * `known`: what the session's state means, when the caller has worked it out already.
   */
  private async advance(session: CallSession, version: number, event: CaptureEvent, replyTurn: number | null, known?: StateMeaning): Promise<string | null> {
    const { flow, machine } = await this.flowOf(session);
    const [next, actions] = pureTransition(machine, machine.resolveState(session.state), event);
    const state: StoredState = { value: String(next.value), context: next.context };
    const was = known ?? meaningOf(machine, session.state);
    const meaning = meaningOf(machine, state);

    const refs: CardRefs = { ...session.vaultRefs };
    const written: string[] = [];
    const writes: Array<Promise<void>> = [];
    const released: string[] = [];
    for (const action of actions as Array<{ type: string; params?: unknown }>) {
      if (action.type !== 'xstate.emit') continue;
      const emitted = (action.params as { event: CaptureEmitted }).event;
      if (!session.paymentId) continue;
      if (emitted.type === 'vault.put') {
        // Named now and stored with the commit below: the field's write and the commit leave in one round trip.
        const { ref, stored } = this.deps.vault.write(session.paymentId, emitted.field, emitted.value);
        writes.push(stored);
        written.push(ref);
        if (refs[emitted.field]) released.push(refs[emitted.field]!);
        refs[emitted.field] = ref;
      } else {
        for (const field of emitted.fields) {
          // The fields the vault never keeps (the account number's repeat, the account type) have no reference.
          const vaultField = field as SensitiveField;
          if (refs[vaultField]) released.push(refs[vaultField]!);
          delete refs[vaultField];
        }
      }
    }
    // Every write is awaited once the commit has answered; settled here so none is ever an unhandled rejection.
    const vaultWrites = Promise.allSettled(writes);
    const final = meaning.final;
    // Once the capture is over nothing may stay in the vault, whatever path led here. An approved
    // payment is over even while the caller is still listening to the reference: nothing after
    // the approval reads the card again, and a lost status callback must not leave it at rest.
    const captureOver = !meaning.holdsCardData;
    if (captureOver) for (const ref of Object.values(refs)) if (ref) released.push(ref);

    const startsCharge = meaning.needsCharge && !was.needsCharge;
    const updated: CallSession = {
      ...session,
      paymentId: state.context.payment?.id ?? session.paymentId,
      turn: session.turn + 1,
      state,
      vaultRefs: captureOver ? {} : refs,
      ...(startsCharge ? { chargeStartedAt: this.deps.clock.now().toISOString() } : {}),
    };
    const returnTo = final ? await this.returnTo(updated, meaning, flow) : null;
    const twiml = this.say({ flow, state, meaning, turn: updated.turn, ...returnTo });
    updated.lastReply = replyTurn === null ? session.lastReply : { turn: replyTurn, twiml };
    const ttl = final ? this.deps.endedSessionTtlSeconds ?? 600 : undefined;
    // Most re-prompts change nothing an agent sees: the payment's read-modify-write is skipped then.
    // Otherwise the payment's change, prepared from this process's last write of it, is stored by
    // the commit's own store call, and only when the commit is (the version it writes is the next).
    const projecting = updated.paymentId !== null && projectionChanged(projectPayment(session.state, was), projectPayment(state, meaning));
    const projection = projecting ? this.deps.payments.prepareProjection(updated.paymentId!, version + 1, () => projectPayment(state, meaning)) : null;
    const committing = projection ? this.deps.sessions.saveWith(updated, version, ttl, projection.write) : null;
    projection?.sent();
    const committed = await committing;
    const newVersion = committed ? committed.version : await this.deps.sessions.save(updated, version, ttl);
    const vaultFailure = (await vaultWrites).find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (newVersion === null) {
      if (updated.paymentId && written.length > 0) await this.deps.vault.discard(updated.paymentId, written);
      return null;
    }
    if (vaultFailure) {
      // The commit names a field the vault did not store. The webhook fails, as a failed vault write
      // always made it: the caller hears the apology, which ends the call. The capture ends now, as
      // the hang-up that follows would end it (what was stored is wiped), so that nothing, not even
      // a duplicate delivery answered from the committed reply, goes on without that field.
      if (projection && committed) await projection.finish(committed.companion);
      if ((await this.advance(updated, newVersion, { type: 'call.hungUp' }, replyTurn)) === null) await this.hangUp(updated.callSid);
      throw vaultFailure.reason;
    }
    if (updated.paymentId && released.length > 0) await this.deps.vault.discard(updated.paymentId, released);
    if (updated.paymentId && !session.paymentId) await this.deps.payments.retirePayCode(updated.paymentId);
    if (this.deps.logger.isLevelEnabled('debug')) this.log(updated).debug('turn', { event: event.type, from: session.state.value, to: state.value, turn: session.turn });
    this.deps.metrics?.captureTransition(was, meaning, state.context);
    if (projection && committed) await projection.finish(committed.companion);
    await this.notify({ before: session, after: updated, final });
    if (startsCharge) return this.awaitCharge(updated, replyTurn ?? updated.turn);
    return twiml;
  }

  /**
   * Waits for the charge of the current attempt, starting it unless this process already has it in
   * flight. A slow processor gets the caller a holding message and a `<Redirect>` back here; a
   * retry after a crash reuses the attempt's idempotency key, so the processor charges once. Past
   * the hold limit the caller is told the result will follow and the call ends.
   */
  private async awaitCharge(session: CallSession, replyTurn: number): Promise<string> {
    const attempt = session.state.context.chargeAttempts;
    const key = `${session.paymentId}:${attempt}`;
    let inFlight = this.chargesInFlight.get(key);
    if (!inFlight) {
      inFlight = this.charge(session, attempt, replyTurn).finally(() => this.chargesInFlight.delete(key));
      this.chargesInFlight.set(key, inFlight);
    }
    const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), this.deps.processorTimeoutMs).unref());
    const answered = await Promise.race([
      inFlight.catch((error: unknown) => {
        this.log(session).warn('charge failed before an answer; its outcome will be looked up', { error: errorName(error), attempt });
        return null;
      }),
      timeout,
    ]);
    if (answered !== null) return answered;
    if (this.holdExpired(session)) return this.deferCharge(session.callSid, attempt, replyTurn);
    return this.stillProcessing(session.callSid, replyTurn === session.turn);
  }

  /** Whether the caller has held for the processor as long as they may. */
  private holdExpired(session: CallSession): boolean {
    if (!session.chargeStartedAt) return false;
    return this.deps.clock.now().getTime() - Date.parse(session.chargeStartedAt) >= this.deps.holdLimitMs;
  }

  /** Ends the call with "the result will follow"; the payment stays processing until the processor answers. */
  private async deferCharge(callSid: string, attempt: number, replyTurn: number): Promise<string> {
    for (let i = 0; i < MAX_RACE_RETRIES; i += 1) {
      const found = await this.deps.sessions.get(callSid);
      if (!found) return this.renderEnding(this.deps.flows.default, null, 'error.system');
      const { value: session, version } = found;
      if (!(await this.meaningOf(session)).needsCharge || session.state.context.chargeAttempts !== attempt) return this.replay(session, -1);
      const outcome = await this.advance(session, version, { type: 'processor.overdue' }, replyTurn);
      if (outcome !== null) {
        this.log(session).warn('processor overdue: the call ends and the charge is settled later', { attempt });
        return outcome;
      }
    }
    throw new Error(`call ${callSid}: too many concurrent updates while deferring the charge`);
  }

  /**
   * Charges the attempt, or, when an earlier try of it already sent the card (the security code is
   * gone), asks the processor what became of it. Null while nobody knows yet.
   */
  private async charge(session: CallSession, attempt: number, replyTurn: number): Promise<string | null> {
    const paymentId = session.paymentId!;
    // Only what the payment was made with is read here (the amount, …): this turn's commit wrote the
    // payment, so that comes from this process's copy, without a read.
    const payment = await this.deps.payments.terms(paymentId);
    const refs = session.vaultRefs;
    const bankDebit = (await this.flowOf(session)).flow.method === 'ach';
    if (bankDebit) return this.debit(session, attempt, replyTurn);
    if (!payment || !holdsCard(refs)) {
      return this.applyChargeResult(session.callSid, attempt, replyTurn, {
        outcome: 'declined',
        code: 'processing_error',
        message: 'The card details were no longer available.',
      });
    }
    const saves = payment.intent === 'save_card';
    // Recorded before the card leaves, so that a crash or a hang at any point leaves a trace
    // that some process will follow up. A save is followed up the same way, looked up as a save.
    const idempotencyKey = await this.recordPending(session, attempt, saves ? 'save' : undefined);
    if (!(await this.deps.vault.has(paymentId, refs.securityCode))) {
      // An earlier try of this attempt already sent the card: ask what became of it, never send it again.
      const known = saves ? await this.knownSave(paymentId, idempotencyKey, session.state.context.card) : await this.lookUp(paymentId, idempotencyKey);
      return this.answerLookUp(session, attempt, replyTurn, known);
    }
    if (saves) {
      const answer = await this.saveCard(session, attempt, replyTurn, idempotencyKey);
      await this.forgetPending(session, attempt);
      return answer;
    }
    let result: ChargeAnswer;
    try {
      const token = await this.deps.vault.issueToken(paymentId, tokenRefs(refs));
      result = await this.deps.processor.charge({
        ...chargeRequest(payment, token, idempotencyKey, session.callSid),
        ...(payment.capture === 'manual' ? { capture: 'manual' as const } : {}),
      });
    } finally {
      // PCI DSS 3.3.1: the security code goes as soon as the processor has answered, either way,
      // and also when the token or the processor failed: the processor may hold the charge already,
      // and nothing may keep the code at rest while that is found out. The billing postal code goes
      // with it: it was only ever wanted for this charge's address check.
      await this.deps.vault.discard(paymentId, codesOf(refs));
    }
    return this.answered(session, attempt, replyTurn, result);
  }

  /**
   * Records a charge's answer. A submitted bank debit stays on the pending-charge ledger: its outcome
   * comes days later, from the reconciler's look-ups or the processor's own webhook.
   */
  private async answered(session: CallSession, attempt: number, replyTurn: number, result: ChargeAnswer): Promise<string> {
    this.log(session).info('processor answered', { outcome: result.outcome, attempt, ...(result.outcome === 'declined' ? { code: result.code } : {}) });
    const answer = await this.applyChargeResult(session.callSid, attempt, replyTurn, result);
    if (result.outcome !== 'processing') await this.forgetPending(session, attempt);
    return answer;
  }

  /**
   * A bank debit (`"method": "ach"` flows): the vault's routing and account numbers go to the
   * processor in a one-time bank token, with the account holder's name and the caller's recorded
   * acceptance, which must exist: no debit is sent without it. The account number goes from the vault
   * as soon as the processor has answered (its absence, as the security code's for a card, says that
   * an earlier try may have reached the processor, which is then asked instead).
   */
  private async debit(session: CallSession, attempt: number, replyTurn: number): Promise<string | null> {
    const paymentId = session.paymentId!;
    const payment = await this.deps.payments.terms(paymentId);
    const refs = session.vaultRefs;
    const authorization = session.state.context.debitAuthorization ?? null;
    const accountType = session.state.context.bankAccount?.accountType ?? null;
    if (!payment || !refs.routingNumber || !refs.accountNumber || !authorization || !accountType || !payment.accountHolderName) {
      return this.applyChargeResult(session.callSid, attempt, replyTurn, {
        outcome: 'declined',
        code: 'processing_error',
        message: 'The bank account details or the authorisation were no longer available.',
      });
    }
    const idempotencyKey = await this.recordPending(session, attempt);
    if (!(await this.deps.vault.has(paymentId, refs.accountNumber))) {
      return this.answerLookUp(session, attempt, replyTurn, await this.lookUp(paymentId, idempotencyKey));
    }
    let result: ChargeAnswer;
    try {
      const token = await this.deps.vault.issueBankToken(paymentId, { routingNumber: refs.routingNumber, accountNumber: refs.accountNumber });
      const request: ChargeRequest = {
        ...chargeRequest(payment, token, idempotencyKey, session.callSid),
        bankDebit: { accountHolderName: payment.accountHolderName, accountType, authorization },
      };
      result = await this.deps.processor.charge(request);
    } finally {
      // Nothing reads the account again for this attempt: a retry after a crash asks the processor instead.
      await this.deps.vault.discard(paymentId, [refs.accountNumber, refs.routingNumber]);
    }
    return this.answered(session, attempt, replyTurn, result);
  }

  /**
   * A `save_card` payment's "charge": the card becomes a processor token and a saved payment method,
   * and the machine hears an approval whose reference names it. The security code goes once the
   * processor has answered, as for a charge. Like a charge, the save is on the pending-charge ledger
   * while it waits for the processor: a save whose answer never came is looked up (`lookUpSave`).
   */
  private async saveCard(session: CallSession, attempt: number, replyTurn: number, idempotencyKey: string): Promise<string> {
    const paymentId = session.paymentId!;
    const refs = session.vaultRefs;
    const card = session.state.context.card;
    let result: ChargeResult;
    if (!this.deps.paymentMethods || !card || !holdsCard(refs)) {
      result = { outcome: 'declined', code: 'processing_error', message: 'The card could not be saved.' };
    } else {
      try {
        const token = await this.deps.vault.issueToken(paymentId, tokenRefs(refs));
        // The saved card is named by the reference the caller hears: the payment's own short reference.
        const reference = (await this.deps.payments.terms(paymentId))?.shortReference;
        result = await this.deps.paymentMethods.saveFromCapture({ token, paymentId, callSid: session.callSid, card, idempotencyKey, ...(reference ? { reference } : {}) });
      } finally {
        // PCI DSS 3.3.1, as for a charge: the security code (and the postal code) is not kept once the processor has it.
        await this.deps.vault.discard(paymentId, codesOf(refs));
      }
    }
    this.log(session).info('processor answered a save', { outcome: result.outcome, attempt, ...(result.outcome === 'declined' ? { code: result.code } : {}) });
    return this.applyChargeResult(session.callSid, attempt, replyTurn, result);
  }

  /**
   * The processor answered a look-up of an attempt already sent (an earlier try of it got as far as
   * the processor): its answer is applied and the pending record let go. Null while it knows nothing yet.
   */
  private async answerLookUp(session: CallSession, attempt: number, replyTurn: number, known: ChargeAnswer | null): Promise<string | null> {
    if (!known) return null;
    this.log(session).info('processor answered a look-up', { outcome: known.outcome, attempt });
    const answer = await this.applyChargeResult(session.callSid, attempt, replyTurn, known);
    await this.forgetPending(session, attempt);
    return answer;
  }

  /**
   * Puts the attempt on the pending-charge ledger before anything leaves for the processor, and gives
   * the idempotency key it goes under. The entry is due once the caller's hold limit has passed since
   * the charge began, when a sweeper follows it up (a save's entry is looked up as a save).
   */
  private async recordPending(session: CallSession, attempt: number, kind?: PendingCharge['kind']): Promise<string> {
    const paymentId = session.paymentId!;
    const idempotencyKey = `${paymentId}-charge-${attempt}`;
    const since = session.chargeStartedAt ?? this.deps.clock.now().toISOString();
    await this.deps.pendingCharges.record({
      paymentId,
      callSid: session.callSid,
      attempt,
      idempotencyKey,
      since,
      dueAt: new Date(Date.parse(since) + this.deps.holdLimitMs).toISOString(),
      ...(kind ? { kind } : {}),
    });
    return idempotencyKey;
  }

  /** Strikes an answered charge off the ledger; should that fail, a sweeper finds the answer already recorded. */
  private async forgetPending(session: CallSession, attempt: number): Promise<void> {
    try {
      await this.deps.pendingCharges.drop(session.paymentId!, attempt);
    } catch (error) {
      this.log(session).warn('answered charge left on the pending ledger', { attempt, error: errorName(error) });
    }
  }

  /**
   * The processor's word on a save of a pending entry whose answer was lost (the reconciler's
   * follow-up): a card found saved is kept under the payment's reference, as the answer would have kept it.
   */
  async lookUpSave(charge: PendingCharge): Promise<ChargeLookUp> {
    const payment = await this.deps.payments.get(charge.paymentId);
    const session = (await this.deps.sessions.get(charge.callSid))?.value;
    const card = payment?.card ?? session?.state.context.card ?? null;
    return (await this.knownSave(charge.paymentId, charge.idempotencyKey, card)) ?? { outcome: 'unknown' };
  }

  /** The processor's word on an earlier save, or null when it has none (or cannot be asked). */
  private async knownSave(paymentId: string, idempotencyKey: string, card: { brand: CardBrand; last4: string } | null): Promise<ChargeResult | null> {
    if (!this.deps.paymentMethods || !card) return null;
    const reference = (await this.deps.payments.terms(paymentId))?.shortReference;
    const found = await this.deps.paymentMethods.lookUpSave({ paymentId, idempotencyKey, card, ...(reference ? { reference } : {}) });
    return found.outcome === 'unknown' ? null : found;
  }

  /** The processor's word on an earlier charge, or null when it has none (or cannot be asked). */
  private async lookUp(paymentId: string, idempotencyKey: string): Promise<ChargeResult | null> {
    if (!this.deps.processor.lookUp) return null;
    const found = await this.deps.processor.lookUp({ paymentId, idempotencyKey });
    return found.outcome === 'unknown' ? null : found;
  }

  /**
   * Records the processor's answer to a pending charge, found after the fact: on the capture while
   * it still waits for it (the caller may still be holding), else straight on the payment.
   */
  async settleCharge(charge: PendingCharge, result: ChargeResult): Promise<void> {
    const found = await this.deps.sessions.get(charge.callSid);
    const session = found?.value;
    if (session && session.paymentId === charge.paymentId && (await this.meaningOf(session)).needsCharge && session.state.context.chargeAttempts === charge.attempt) {
      // A process that died mid-charge never deleted the security code.
      if (session.vaultRefs.securityCode) await this.deps.vault.discard(charge.paymentId, [session.vaultRefs.securityCode]);
      await this.applyChargeResult(charge.callSid, charge.attempt, null, result);
      return;
    }
    await this.settlePayment(charge.paymentId, charge.attempt, result);
  }

  private async settlePayment(paymentId: string, attempt: number, result: ChargeResult): Promise<void> {
    const settled = await this.deps.payments.settle(paymentId, result);
    if (settled) {
      this.deps.logger.child({ paymentId }).info('charge settled after the call', { outcome: result.outcome, attempt, ...(result.outcome === 'declined' ? { code: result.code } : {}) });
    }
  }

  private async applyChargeResult(callSid: string, attempt: number, replyTurn: number | null, result: ChargeAnswer): Promise<string> {
    let event: CaptureEvent | null = null;
    // The session as this process last committed it (mostly the commit that started this charge, and
    // still the stored one): it saves a read when it leads to the compare-and-set below, which refuses
    // it if it is stale. Any other way out is taken only from a read of the store.
    let guess = this.deps.sessions.lastWritten(callSid);
    for (let i = 0; i < MAX_RACE_RETRIES; i += 1) {
      const found = guess ?? (await this.deps.sessions.get(callSid));
      const guessed = guess !== null;
      guess = null;
      if (!found) throw new Error(`call ${callSid}: session vanished during the charge`);
      const { value: session, version } = found;
      event ??= await this.chargeEvent(session, result);
      const meaning = await this.meaningOf(session);
      const current = session.state.context.chargeAttempts === attempt && meaning.needsCharge;
      if (guessed && !current) continue;
      // A call that ended with its payment still processing was told the result would follow: it goes on the payment.
      if (session.state.context.chargeAttempts === attempt && meaning.final && meaning.status === 'processing' && session.paymentId) {
        // A submitted bank debit settles nothing yet: the ledger keeps it until its outcome is known.
        if (result.outcome !== 'processing') await this.settlePayment(session.paymentId, attempt, result);
        return this.replay(session, -1);
      }
      if (!current) return this.replay(session, -1);
      const withoutCode: CallSession = { ...session, vaultRefs: { ...session.vaultRefs, securityCode: undefined } };
      delete withoutCode.vaultRefs.securityCode;
      const outcome = await this.advance(withoutCode, version, event, replyTurn);
      if (outcome !== null) return outcome;
    }
    throw new Error(`call ${callSid}: too many concurrent updates while recording the charge`);
  }

  /**
   * The machine's event for the processor's answer. An approval carries the payment's own short
   * reference (reserved at creation), which the caller hears; the processor's id goes on the payment
   * beside it. A payment of an earlier release, without one, keeps the processor's id as before.
   */
  private async chargeEvent(session: CallSession, result: ChargeAnswer): Promise<CaptureEvent> {
    if (result.outcome === 'declined') return { type: 'processor.declined', code: result.code, message: result.message };
    const payment = session.paymentId ? await this.deps.payments.terms(session.paymentId) : null;
    if (result.outcome === 'processing') {
      return { type: 'processor.submitted', reference: payment?.shortReference ?? result.reference, processorReference: result.reference };
    }
    return {
      type: 'processor.approved',
      reference: payment?.shortReference ?? result.reference,
      processorReference: result.reference,
      ...(result.authorized ? { authorized: true } : {}),
    };
  }

  /** The holding answer; a caller already holding hears that the payment is still on its way. */
  private async stillProcessing(callSid: string, alreadyHolding: boolean): Promise<string> {
    const found = await this.deps.sessions.get(callSid);
    if (!found) return this.renderEnding(this.deps.flows.default, null, 'error.system');
    const session = found.value;
    const meaning = await this.meaningOf(session);
    if (!alreadyHolding || !meaning.needsCharge) return this.replay(session, -1);
    const { flow } = await this.flowOf(session);
    const state: StoredState = { ...session.state, context: { ...session.state.context, notices: [{ key: 'processing.stillWorking' }] } };
    return this.say({ flow, state, meaning, turn: session.turn });
  }

  private async discardAll(session: CallSession): Promise<void> {
    const refs = Object.values(session.vaultRefs).filter((r): r is string => Boolean(r));
    if (session.paymentId && refs.length > 0) await this.deps.vault.discard(session.paymentId, refs);
  }

  /** The answer for a turn that is not the current one: the stored reply, or the current state again. */
  private async replay(session: CallSession, turn: number): Promise<string> {
    if (session.lastReply && session.lastReply.turn === turn) return session.lastReply.twiml;
    const { flow, machine } = await this.flowOf(session);
    const meaning = meaningOf(machine, session.state);
    // A capture ended by someone else (the payments API's cancel) reaches the caller on their next turn.
    const returnTo = await this.returnTo(session, meaning, flow);
    return this.say({ flow, state: session.state, meaning, turn: session.turn, ...returnTo });
  }

  /**
   * Where an ended capture sends its call instead of hanging up: back to a bridged call's agent (the
   * observer) first, else to the payment's return URL; null: the call ends.
   */
  private async returnTo(session: CallSession, meaning: StateMeaning, flow: Flow): Promise<{ returnTo: string; returnQuietly?: boolean } | null> {
    if (!meaning.final || flow.guide !== 'prompts') return null;
    const observed = session.followed !== false && this.deps.observer?.returnUrl ? await this.deps.observer.returnUrl(session) : null;
    if (observed) return { returnTo: observed };
    const own = this.paymentReturn(session, meaning);
    return own ? { returnTo: own, returnQuietly: true } : null;
  }

  /** The payment's return URL with its id and final status; null before the end, or when the caller hung up (nobody to send). */
  private paymentReturn(session: CallSession, meaning: StateMeaning): string | null {
    if (!session.returnUrl || !session.paymentId || !meaning.final || meaning.outcome === 'hung_up' || session.state.context.callEnded) return null;
    return returnUrlFor(session.returnUrl, session.paymentId, meaning.status);
  }

  /**
   * Where a call whose capture has ended should be moved now (the payments API canceled it while the
   * caller waited at a prompt): as `returnTo`, or null when the call just ends or the capture is not over.
   */
  async endedCallReturn(callSid: string): Promise<string | null> {
    const found = await this.deps.sessions.get(callSid);
    if (!found) return null;
    const { flow, machine } = await this.flowOf(found.value);
    return (await this.returnTo(found.value, meaningOf(machine, found.value.state), flow))?.returnTo ?? null;
  }

  /** Says one closing prompt and hangs up: the machine turns the call away before any capture (no session, or none possible). */
  private renderEnding({ flow, machine }: CompiledFlow, locale: string | null, notice: 'payment.unavailable' | 'error.system'): string {
    const [initial] = pureInitialTransition(machine, { locale: localeOf(flow, locale), payment: null });
    const [refused] = pureTransition(machine, initial, { type: 'call.refused', notice });
    const state: StoredState = { value: String(refused.value), context: refused.context };
    return this.say({ flow, state, meaning: meaningOf(machine, state), turn: 0 });
  }

  /** The caller's next instructions; an agent-guided capture speaks none (the caller is on the media relay). */
  private say(input: RenderInput): string {
    return input.flow.guide === 'agent' ? '' : this.deps.render(input);
  }

  private async isFinal(session: CallSession): Promise<boolean> {
    return (await this.meaningOf(session)).final;
  }

  /** What the session's stored state means, read from the machine of the flow the call started on. */
  private async meaningOf(session: CallSession): Promise<StateMeaning> {
    return meaningOf((await this.flowOf(session)).machine, session.state);
  }

  /** The flow the call started on, even when this process's flow files have changed since. */
  private flowOf(session: CallSession): Promise<CompiledFlow> {
    return this.deps.callFlows.of(session);
  }

  private async project(session: CallSession, version: number): Promise<void> {
    if (!session.paymentId) return;
    const meaning = await this.meaningOf(session);
    await this.deps.payments.project(session.paymentId, version, () => projectPayment(session.state, meaning));
  }

  /** Whether the observer follows a call whose capture starts now. */
  private async follows(callSid: string): Promise<boolean> {
    const { observer } = this.deps;
    if (!observer) return false;
    if (!observer.follows) return true;
    try {
      return await observer.follows(callSid);
    } catch (error) {
      // Its failures are never the caller's problem: the call is followed, as if it had said yes.
      this.deps.logger.child({ callSid }).error('capture observer failed', { error });
      return true;
    }
  }

  /** Tells the observer about a call it follows; its failures are logged, never the caller's problem. */
  private async notify(change: Parameters<CaptureObserver['turnCommitted']>[0]): Promise<void> {
    if (!this.deps.observer || change.after.followed === false) return;
    try {
      await this.deps.observer.turnCommitted(change);
    } catch (error) {
      this.log(change.after).error('capture observer failed', { error });
    }
  }

  private log(session: CallSession): Logger {
    return this.deps.logger.child({ callSid: session.callSid, paymentId: session.paymentId ?? undefined });
  }
}

export type { AgentAction } from './meaning';

/** An error's class name only: a processor's message might echo what it was sent. */
function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

/** What every charge of a payment asks the processor: the payment's terms, the vault token and the attempt's key. */
function chargeRequest(payment: PaymentTerms, token: string, idempotencyKey: string, callSid: string): ChargeRequest {
  return {
    token,
    paymentId: payment.id,
    amount: payment.amount,
    currency: payment.currency,
    idempotencyKey,
    callSid,
    ...(payment.description ? { description: payment.description } : {}),
  };
}

/** Whether the capture vaulted the whole card: its number, expiry and security code. */
function holdsCard(refs: CardRefs): refs is CardRefs & TokenRefs {
  return Boolean(refs.cardNumber && refs.expiry && refs.securityCode);
}

/**
 * What a card's token redeems: the three fields, and the billing postal code when the flow asked for
 * one (the processor's address check, for a charge and for a saved card alike).
 */
function tokenRefs(refs: TokenRefs): TokenRefs {
  return { cardNumber: refs.cardNumber, expiry: refs.expiry, securityCode: refs.securityCode, ...(refs.postalCode ? { postalCode: refs.postalCode } : {}) };
}

/** PCI DSS 3.3.1: the fields not kept once the processor has the card, the security code and the postal code. */
function codesOf(refs: TokenRefs): string[] {
  return refs.postalCode ? [refs.securityCode, refs.postalCode] : [refs.securityCode];
}
