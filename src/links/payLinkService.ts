import { setTimeout as sleep } from 'node:timers/promises';
import type { CallFlows } from '../core/capture/callFlows';
import type { CallSessionRepository, StoredState } from '../core/capture/callSession';
import type { CaptureService, TurnInput } from '../core/capture/captureService';
import type { CompiledFlow, FlowRegistry } from '../core/capture/flowRegistry';
import { meaningOf, type StateMeaning } from '../core/capture/meaning';
import type { Notice } from '../core/capture/types';
import { fieldsOf, type CaptureField, type Flow } from '../core/flows/schema';
import type { Logger } from '../observability/logger';
import type { Clock } from '../ports/clock';
import type { KeyValueStore } from '../ports/keyValueStore';
import { FINAL_STATUSES, effectiveStatus, type Payment } from '../core/payments/payment';
import type { PaymentService } from '../core/payments/paymentService';
import { typedDigits, unreachedFieldNotices } from './formChecks';
import type { LinkSecrets } from './linkSecrets';
import type { PayLinkRecord, PayLinkRepository } from './payLinkRepository';

export interface PayLinkServiceDeps {
  store: KeyValueStore;
  secrets: LinkSecrets;
  links: PayLinkRepository;
  payments: PaymentService;
  capture: CaptureService;
  sessions: CallSessionRepository;
  flows: FlowRegistry;
  /** The flow a link's capture started on, whichever process started it. */
  callFlows: CallFlows;
  /** Whether paid payments' receipts go out (a mail server is configured); the sending is the core's. */
  receipts: { readonly sends: boolean };
  /** How long a link made on the agent panel works. */
  linkTtlSeconds: number;
  clock: Clock;
  logger: Logger;
  publicBaseUrl: string;
  /** How long a submission may hold its link: the slowest charge plus a margin. */
  lockSeconds: number;
}

/** A link that names a payment, with everything a page about it needs. */
export interface OpenLink {
  token: string;
  tokenHash: string;
  sessionId: string;
  record: PayLinkRecord;
  payment: Payment;
  flow: Flow;
  /** The machine of that flow: what the capture's states mean. */
  machine: CompiledFlow['machine'];
}

/** A link payment an agent makes on the panel for a chat customer: fields already checked as the API checks them. */
export interface ChatLinkRequest {
  amount: string;
  amountMinor: number;
  currency: string;
  description: string | null;
  email: string | null;
  /** `save_card`: the page saves the card for later instead of charging (the amount is zero). */
  intent?: 'save_card';
}

/** Link payments use the web flow when the gateway has one: its messages are written for a page. */
export const WEB_FLOW = 'web';

/** What a visitor may do with a link now. */
export type LinkStatus = 'open' | 'finished' | 'unavailable';

/** The card fields as the form posted them; they go to the capture machine and nowhere else. */
export interface CardEntry {
  cardNumber?: string;
  expiry?: string;
  securityCode?: string;
  /** Only read when the link's flow asks for the billing postal code. */
  postalCode?: string;
}

const MAX_STEPS = 24;
const LOCK_POLL_MS = 50;

/**
 * Pay links: issuing them, and paying through them with the same capture machine, vault, processor
 * and idempotency as a phone call. A form submission becomes keypad turns of a session whose id is
 * derived from the link, so every rule of the flow (checks, tries, card attempts) applies unchanged.
 */
export class PayLinkService {
  constructor(private readonly deps: PayLinkServiceDeps) {}

  /** Creates the link of a new link payment; the answer is its `payUrl`. */
  async issue(payment: Payment, options: { email: string | null }): Promise<string> {
    const nonce = this.deps.secrets.newNonce();
    const token = this.deps.secrets.token(payment.id, nonce);
    const tokenHash = this.deps.secrets.hash(token);
    await this.deps.links.create(
      tokenHash,
      { paymentId: payment.id, expiresAt: payment.expiresAt, email: options.email, mistakes: 0, createdAt: this.deps.clock.now().toISOString() },
      nonce,
    );
    return this.urlOf(token);
  }

  /**
   * Creates a link payment and its link for a chat customer, on the flow the API would pick for a link
   * with no `flow` given. Null when that flow cannot serve a page (the gateway is misconfigured).
   */
  async createForChat(request: ChatLinkRequest): Promise<{ payment: Payment; payUrl: string } | null> {
    const flowId = this.deps.flows.has(WEB_FLOW) ? WEB_FLOW : this.deps.flows.defaultFlowId;
    const { flow } = this.deps.flows.get(flowId);
    if (this.flowProblem(flow)) return null;
    const payment = await this.deps.payments.create({
      amount: request.amount,
      amountMinor: request.amountMinor,
      currency: request.currency,
      description: request.description,
      channel: 'link',
      callSid: null,
      locale: flow.defaultLocale,
      flowId,
      ttlSeconds: this.deps.linkTtlSeconds,
      receiptEmail: request.email,
      ...(request.intent ? { intent: request.intent } : {}),
    });
    return { payment, payUrl: await this.issue(payment, { email: request.email }) };
  }

  /** The `payUrl` of a link payment, rebuilt from its nonce; null for other payments. */
  async payUrlOf(paymentId: string): Promise<string | null> {
    const of = await this.deps.links.ofPayment(paymentId);
    return of ? this.urlOf(this.deps.secrets.token(paymentId, of.nonce)) : null;
  }

  /** Why a flow cannot serve a web page, or null when it can. */
  flowProblem(flow: Flow): string | null {
    if (flow.guide === 'agent') return 'agent-guided flows cannot be used for links';
    // The pay page is a card form; a bank debit is authorised by the caller's keypress on a call.
    if (flow.method === 'ach') return 'bank-debit flows are taken on a phone call, not on a link';
    return flow.agentConfirmsCardNumber ? 'flows where an agent confirms the card number cannot be used for links' : null;
  }

  /** The link a URL names; null when it names none (malformed, unknown, or its payment is gone). */
  async open(token: string): Promise<OpenLink | null> {
    if (!this.deps.secrets.isTokenShape(token)) return null;
    const tokenHash = this.deps.secrets.hash(token);
    const record = await this.deps.links.get(tokenHash);
    if (!record) return null;
    const payment = await this.deps.payments.get(record.paymentId);
    if (!payment || !this.deps.flows.has(payment.flowId)) return null;
    const sessionId = this.deps.secrets.sessionId(tokenHash);
    return { token, tokenHash, sessionId, record, payment, ...(await this.flowOf(sessionId, payment.flowId)) };
  }

  /** Open while it can take a payment; finished once its capture ended; unavailable otherwise. */
  async status(link: OpenLink): Promise<LinkStatus> {
    const state = await this.stateOf(link);
    if (state && isOver(this.meaningOf(link, state))) return 'finished';
    const payment = link.payment;
    // Claimed by someone else (a phone call with the pay code), or ended without this link.
    if (payment.callSid !== null && payment.callSid !== link.sessionId) return 'unavailable';
    if (FINAL_STATUSES.has(effectiveStatus(payment, this.deps.clock.now()))) return state ? 'finished' : 'unavailable';
    if (Date.parse(link.record.expiresAt) <= this.deps.clock.now().getTime()) {
      // A capture left half-way when its link expired ends as an abandoned call does, wiping the vault.
      if (state) await this.deps.capture.hangUp(link.sessionId);
      return 'unavailable';
    }
    return 'open';
  }

  /** Whether a paid link gets a receipt: the payment has an email and a mail server is configured. */
  sendsReceipt(link: OpenLink): boolean {
    return Boolean(link.record.email) && this.deps.receipts.sends;
  }

  /** What is wrong with the fields of an entry that the capture stopped before reaching. */
  unreachedFieldNotices(link: OpenLink, entry: CardEntry, state: StoredState): Notice[] {
    return unreachedFieldNotices(link.flow, state, this.meaningOf(link, state), entry, this.deps.clock.now());
  }

  /** What the link's capture state means, read from its flow's machine. */
  meaningOf(link: OpenLink, state: StoredState): StateMeaning {
    return meaningOf(link.machine, state);
  }

  /** The capture's state, or null before the first submission. */
  async stateOf(link: OpenLink): Promise<StoredState | null> {
    return (await this.deps.sessions.get(link.sessionId))?.value.state ?? null;
  }

  /** The payment as it stands now, and the flow of its capture once one has started. */
  async reload(link: OpenLink): Promise<OpenLink> {
    const payment = await this.deps.payments.get(link.payment.id);
    const record = await this.deps.links.get(link.tokenHash);
    const { flow, machine } = await this.flowOf(link.sessionId, link.payment.flowId);
    return { ...link, payment: payment ?? link.payment, record: record ?? link.record, flow, machine };
  }

  /**
   * The flow of the link's capture: the one it started on, wherever that was, so the page shows
   * the fields and counts the tries of that flow; this process's own before the first submission.
   */
  private async flowOf(sessionId: string, flowId: string): Promise<{ flow: Flow; machine: CompiledFlow['machine'] }> {
    const session = (await this.deps.sessions.get(sessionId))?.value;
    const { flow, machine } = await this.deps.callFlows.of(session ?? { flowId });
    return { flow, machine };
  }

  /**
   * Runs one form submission through the capture, holding the link so that a double click or a
   * second tab waits and then sees the first one's result instead of paying again.
   */
  async submit(link: OpenLink, entry: CardEntry): Promise<StoredState | null> {
    const lockKey = `paylink-lock:${link.tokenHash}`;
    const owner = `${process.pid}:${Math.random()}`;
    if ((await this.deps.store.compareAndSet(lockKey, 0, owner, this.deps.lockSeconds)) === null) {
      await this.waitForUnlock(lockKey);
      return this.stateOf(link);
    }
    try {
      return await this.run(link, entry);
    } finally {
      const held = await this.deps.store.get(lockKey);
      if (held?.value === owner) await this.deps.store.delete(lockKey);
    }
  }

  private async run(link: OpenLink, entry: CardEntry): Promise<StoredState | null> {
    const { sessionId } = link;
    const log = this.deps.logger.child({ callSid: sessionId, paymentId: link.payment.id });
    let found = await this.deps.sessions.get(sessionId);
    if (!found) {
      await this.deps.capture.startCall(sessionId, { paymentId: link.payment.id });
      found = await this.deps.sessions.get(sessionId);
      if (!found || found.value.paymentId !== link.payment.id) return null;
    }
    // The capture may have started on another process, with other flow files, since the link was opened.
    const { flow, machine } = await this.deps.callFlows.of(found.value);
    const fed = new Set<CaptureField>();
    let confirmed = false;
    let polled = false;
    let rejected: CaptureField | null = null;
    for (let step = 0; step < MAX_STEPS && found; step += 1) {
      const { state, turn } = found.value;
      const meaning = meaningOf(machine, state);
      const field = meaning.field;
      if (isOver(meaning)) break;
      if (meaning.needsCharge) {
        // A charge already on its way (a slow processor): wait for it once more, then report.
        if (polled) break;
        polled = true;
        await this.deps.capture.takeTurn(sessionId, turn, { kind: 'poll' });
      } else if (meaning.step === 'retry') {
        if (fed.size > 0) break;
        await this.press(sessionId, turn, '1');
      } else if (meaning.step === 'confirm' || meaning.step === 'confirmSave') {
        // The page's one button answers the capture's question, whether it charges or saves the card.
        if (fed.size === fieldsOf(flow).length && !confirmed) {
          confirmed = true;
          await this.press(sessionId, turn, '1');
        } else if (fed.size === 0) {
          // Left half-way by an earlier request: start the card again.
          await this.press(sessionId, turn, '2');
        } else break;
      } else if (field) {
        if (fed.has(field)) {
          rejected = field;
          break;
        }
        if (fed.size === 0 && field !== flow.fieldOrder[0]) {
          // An earlier submission stopped at a later field: the form sends every field again.
          await this.press(sessionId, turn, '*');
        } else {
          await this.deps.capture.takeTurn(sessionId, turn, keysOf(entry[field as keyof CardEntry], field));
          fed.add(field);
        }
      } else break;
      found = await this.deps.sessions.get(sessionId);
    }
    if (rejected) await this.countMistake(link, flow, rejected);
    const state = await this.stateOf(link);
    log.info('pay link submission', { state: state?.value ?? null, rejected });
    return state;
  }

  /**
   * A wrong entry counts against the link. Going back to the first field resets the machine's
   * per-field count, so the link keeps its own; past the flow's tries it ends the capture the way
   * the machine ends a silent caller, and the payment fails with `too_many_attempts`.
   */
  private async countMistake(link: OpenLink, flow: Flow, field: CaptureField): Promise<void> {
    const mistakes = await this.deps.links.countMistake(link.tokenHash);
    if (mistakes < flow.tries[field]) return;
    for (let i = 0; i < MAX_STEPS; i += 1) {
      const found = await this.deps.sessions.get(link.sessionId);
      if (!found || !this.meaningOf(link, found.value.state).field) return;
      await this.deps.capture.takeTurn(link.sessionId, found.value.turn, { kind: 'keys', digits: '', finishedOnKey: '' });
    }
  }

  private async press(sessionId: string, turn: number, key: string): Promise<void> {
    await this.deps.capture.takeTurn(sessionId, turn, { kind: 'keys', digits: key, finishedOnKey: '' });
  }

  private async waitForUnlock(lockKey: string): Promise<void> {
    const deadline = Date.now() + this.deps.lockSeconds * 1000;
    while (Date.now() < deadline && (await this.deps.store.get(lockKey))) await sleep(LOCK_POLL_MS);
  }

  private urlOf(token: string): string {
    return `${this.deps.publicBaseUrl}/pay/${token}`;
  }
}

/** A page has nothing more to do with a capture that ended or was approved. */
function isOver(meaning: StateMeaning): boolean {
  return meaning.final || meaning.status === 'succeeded';
}

/**
 * A typed field as keypad input. Empty is silence (the machine asks for the field again); anything
 * but digits becomes junk that fails the field's checks, so a '*' or '#' typed on a web page can
 * never act as a keypad command.
 */
function keysOf(raw: string | undefined, field: CaptureField): TurnInput {
  const value = typedDigits(raw, field);
  if (value === '') return { kind: 'keys', digits: '', finishedOnKey: '' };
  return { kind: 'keys', digits: value ?? 'x', finishedOnKey: '#' };
}
