import type { AgentAction, CaptureService } from '../../core/capture/captureService';
import type { CaptureChange, CaptureObserver } from '../../core/capture/captureObserver';
import type { CallSession, CallSessionRepository } from '../../core/capture/callSession';
import type { FlowRegistry } from '../../core/capture/flowRegistry';
import type { CallFlows } from '../../core/capture/callFlows';
import { GUIDE_ACTIONS, guideMayOf, meaningOf, type GuideAction, type StateMeaning } from '../../core/capture/meaning';
import type { CaptureField } from '../../core/flows/schema';
import type { Logger } from '../../observability/logger';
import type { NewPayment, PaymentService } from '../../core/payments/paymentService';
import type { Payment } from '../../core/payments/payment';
import type { CallControl } from '../../ports/callControl';
import type { Clock } from '../../ports/clock';
import type { BridgeEvent, EventBus, PaymentEvent } from '../../ports/eventBus';
import { bridgeIdFor, type Bridge, type BridgeRepository } from './bridge';
import { conferenceTwiml } from './bridgeTwiml';
import type { BridgeUrls } from './bridgeUrls';
import { bridgeEvent, paymentEvent } from './maskedEvents';

/** A new payment's fields as the payments API checks them: canonical when accepted, a field-level refusal when not. */
export type PaymentCheck =
  | { ok: true; payment: Pick<NewPayment, 'amount' | 'amountMinor' | 'currency' | 'description'> }
  | { ok: false; code: string; field: string; message: string };

export interface BridgeServiceDeps {
  bridges: BridgeRepository;
  /** Read only: the masked state of a bridge's capture for the panel's first view. */
  sessions: Pick<CallSessionRepository, 'get'>;
  callControl: CallControl;
  capture: Pick<CaptureService, 'agentAction' | 'hangUp' | 'startGuided' | 'guideAction'>;
  payments: PaymentService;
  flows: FlowRegistry;
  /** The flow each call started on, whichever process's flow files it now meets. */
  callFlows: CallFlows;
  events: EventBus;
  clock: Clock;
  logger: Logger;
  urls: BridgeUrls;
  /** The payment's voice URL, where the caller leg goes for the capture. */
  paymentVoiceUrl: (paymentId: string) => string;
  /** The capture URL of a turn, polled: where a caller waiting at a menu is moved after an agent's choice. */
  capturePollUrl: (turn: number) => string;
  agentDial: string | null;
  record: boolean;
  /** Flow of captures started from the panel when the agent names none. */
  agentFlowId: string;
  /** Flow of captures on relayed calls when the agent names none: an agent-guided one; null when the gateway has none. */
  relayFlowId: string | null;
  paymentTtlSeconds: number;
  /** The media relay of relayed bridges; null when the gateway runs none (conference bridges only). */
  relay?: RelayStreams | null;
  /** The same check `POST /api/payments` applies to a new payment's fields (and its processor's units). */
  checkPayment: (fields: Record<string, unknown>) => PaymentCheck;
}

/** The media relay, as the bridge needs it: the TwiML that streams one leg of a bridge to it. */
export interface RelayStreams {
  streamTwiml(bridge: { id: string; callerCallSid: string }, leg: 'caller' | 'agent'): Promise<string>;
}

/** What the agent asked for, as the panel sends it: unchecked until `checkPayment` has seen it. */
export interface SecureCaptureRequest {
  amount: unknown;
  currency: unknown;
  description?: unknown;
  flow?: string;
}

/** What the panel says when a relayed leg's audio stream breaks off, per leg. */
const STREAM_LOST: Record<'caller' | 'agent', string> = {
  caller: 'The caller’s audio stream dropped: any card capture ended and nothing typed was kept.',
  agent: 'Your audio stream dropped: any card capture ended and nothing typed was kept.',
};

/** Why a capture cannot start on a bridge in this state (any other: one is under way). */
const BUSY: Partial<Record<Bridge['state'], string>> = {
  dialing: 'The agent is not connected yet.',
  dropped: 'The call dropped: there is nobody on the line to take a card from.',
};

/** The answer to an agent's request: done, or why not in words fit for the agent. */
export type AgentResult = { ok: true; paymentId?: string } | { ok: false; code: string; message: string; field?: string };

/**
 * The agent-assisted call: caller and agent in a conference; a secure capture takes the caller out of
 * it (recording paused first, agent on hold) and brings them back when the capture ends, however it ends.
 */
export class BridgeService implements CaptureObserver {
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly deps: BridgeServiceDeps) {}

  /** An inbound call to the bridge number: store the bridge and answer the caller's conference TwiML. */
  async open(callerCallSid: string, number: string, caller = '', media: 'conference' | 'relay' = 'conference'): Promise<{ bridge: Bridge; twiml: string; isNew: boolean }> {
    if (!this.deps.agentDial) throw new Error('AGENT_DIAL is not set: the bridge has nobody to dial');
    const id = bridgeIdFor(callerCallSid);
    const now = this.now();
    const fresh: Bridge = {
      id,
      callerCallSid,
      number,
      caller,
      conference: `bridge-${id}`,
      conferenceSid: null,
      agentCallSid: null,
      // A relayed call is never recorded by Twilio: the raw recording would hold the caller's tones.
      record: media === 'relay' ? false : this.deps.record,
      recordingSid: null,
      recordingPaused: false,
      agentOnHold: false,
      state: 'dialing',
      ...(media === 'relay' ? { media } : {}),
      agent: null,
      paymentId: null,
      lastError: null,
      createdAt: now,
      updatedAt: now,
    };
    const isNew = await this.deps.bridges.create(fresh);
    const bridge = isNew ? fresh : ((await this.deps.bridges.get(id)) ?? fresh);
    if (isNew) await this.publish(bridge);
    return { bridge, twiml: bridge.media === 'relay' ? await this.relay().streamTwiml(bridge, 'caller') : this.conference(bridge), isNew };
  }

  /** Dials the agent into a new bridge's conference; only the process that created the bridge calls this. */
  async dialAgent(bridgeId: string): Promise<void> {
    const bridge = await this.deps.bridges.get(bridgeId);
    if (!bridge || bridge.agentCallSid || !this.deps.agentDial) return;
    if (bridge.media === 'relay') return this.callAgent(bridge, this.deps.agentDial);
    try {
      const leg = await this.deps.callControl.dialAgent({
        conference: bridge.conference,
        to: this.deps.agentDial,
        from: bridge.number,
        statusCallback: this.deps.urls.status(bridge.id, 'agent'),
      });
      await this.change(bridgeId, (b) => ({ agentCallSid: leg.callSid, conferenceSid: b.conferenceSid ?? leg.conferenceSid, state: b.state === 'dialing' ? 'connected' : b.state }));
    } catch (error) {
      this.log(bridge).error('could not dial the agent', { error });
      await this.change(bridgeId, () => ({ lastError: 'The agent could not be dialled.' }));
    }
  }

  /** A relayed bridge's agent leg: a call of its own whose TwiML streams it to the relay. */
  private async callAgent(bridge: Bridge, to: string): Promise<void> {
    try {
      const twiml = await this.relay().streamTwiml(bridge, 'agent');
      const leg = await this.deps.callControl.createCall({ to, from: bridge.number, answer: { twiml }, statusCallback: this.deps.urls.status(bridge.id, 'agent') });
      await this.change(bridge.id, (b) => ({ agentCallSid: leg.callSid, state: b.state === 'dialing' ? 'connected' : b.state }));
    } catch (error) {
      this.log(bridge).error('could not call the agent', { error });
      await this.change(bridge.id, () => ({ lastError: 'The agent could not be dialled.' }));
    }
  }

  /**
   * A relayed leg's audio stream broke off mid-call: the relay has ended the capture (what was typed is
   * wiped), and the agent is told in words.
   */
  async streamLost(bridgeId: string, leg: 'caller' | 'agent'): Promise<void> {
    // The relay closes the other leg too: the call is over, and the panel must not offer it as connected.
    await this.change(bridgeId, (b) => ({ lastError: STREAM_LOST[leg], ...(b.state === 'ended' ? {} : { state: 'dropped' as const }) }));
  }

  /** The caller coming back to the conference after a capture. */
  async rejoin(bridgeId: string): Promise<string | null> {
    const bridge = await this.deps.bridges.get(bridgeId);
    return bridge && bridge.state !== 'ended' ? this.conference(bridge) : null;
  }

  /** A status callback for one of the legs, or the conference's. */
  async legStatus(bridgeId: string, leg: 'caller' | 'agent', update: { callSid?: string; status?: string; conferenceSid?: string }): Promise<void> {
    const ended = update.status !== undefined && ['completed', 'busy', 'failed', 'no-answer', 'canceled'].includes(update.status);
    const bridge = await this.change(bridgeId, (b) => {
      const patch: Partial<Bridge> = {};
      if (update.conferenceSid && !b.conferenceSid) patch.conferenceSid = update.conferenceSid;
      if (leg === 'agent' && update.callSid && !b.agentCallSid) patch.agentCallSid = update.callSid;
      if (leg === 'agent' && update.status === 'in-progress' && b.state === 'dialing') patch.state = 'connected';
      if (ended && (leg === 'caller' || b.state === 'dialing')) patch.state = 'ended';
      // After a dropped stream the relay ends the agent's call itself: the drop is what the agent must read.
      if (ended && leg === 'agent' && b.state !== 'ended' && !Object.values(STREAM_LOST).includes(b.lastError ?? '')) patch.lastError = 'The agent leg ended.';
      return Object.keys(patch).length > 0 ? patch : null;
    });
    if (bridge && ended && leg === 'caller') {
      await this.deps.capture.hangUp(bridge.callerCallSid);
      // A relayed agent leg is a call of its own, perhaps still ringing: nobody is left to talk to.
      if (bridge.media === 'relay' && bridge.agentCallSid) {
        await this.deps.callControl.endCall(bridge.agentCallSid).catch((error: unknown) => this.log(bridge).warn('could not end the agent’s call', { error }));
      }
    }
  }

  /** Twilio's recording status callback: the recording SID lets the pause target exactly that recording. */
  async recordingStarted(bridgeId: string, recordingSid: string, conferenceSid: string | null): Promise<void> {
    await this.change(bridgeId, (b) => (b.recordingSid ? null : { recordingSid, ...(conferenceSid && !b.conferenceSid ? { conferenceSid } : {}) }));
  }

  /**
   * Starts a secure capture on a bridge: payment, recording paused FIRST (no pause, no capture),
   * agent on hold with an announcement, caller leg to the payment's voice URL. The first agent to
   * start a capture on a bridge takes it; another agent's bridge is refused as unknown.
   */
  async startSecureCapture(bridgeId: string, request: SecureCaptureRequest, agent: string | null = null): Promise<AgentResult> {
    const relayed = (await this.deps.bridges.get(bridgeId))?.media === 'relay';
    const flowId = request.flow ?? (relayed ? this.deps.relayFlowId : this.deps.agentFlowId);
    if (!flowId || !this.deps.flows.has(flowId)) return refuse('invalid_flow', flowId ? 'There is no such flow.' : 'There is no agent-guided flow.');
    // An agent-guided capture takes its keys from the relay, so the agent never hears them; on a
    // conference they would reach the agent and the recording. And a relayed caller has no keypad prompts.
    if ((this.deps.flows.get(flowId).flow.guide === 'agent') !== relayed) {
      return refuse('invalid_flow', relayed ? 'This call is relayed: its card captures are guided by you.' : 'Guided card captures need a relayed call.');
    }
    const checked = this.deps.checkPayment({
      amount: request.amount,
      currency: request.currency,
      // An empty form field is no description; anything else is checked like the API's.
      ...(request.description === undefined || request.description === null || request.description === '' ? {} : { description: request.description }),
    });
    if (!checked.ok) return { ok: false, code: checked.code, message: checked.message, field: checked.field };
    const { payment: fields } = checked;
    const { flow } = this.deps.flows.get(flowId);
    return this.startCapture(
      bridgeId,
      flowId,
      (bridge) =>
        this.deps.payments.create({
          amount: fields.amount,
          amountMinor: fields.amountMinor,
          currency: fields.currency,
          description: fields.description,
          channel: 'phone',
          callSid: bridge.callerCallSid,
          locale: flow.defaultLocale,
          flowId,
          ttlSeconds: this.deps.paymentTtlSeconds,
        }),
      agent,
    );
  }

  /** The flow a capture on this bridge runs when nobody names one: keypad prompts on a conference, agent-guided on a relayed call. */
  defaultFlowOf(bridge: Pick<Bridge, 'media'>): string | null {
    return bridge.media === 'relay' ? this.deps.relayFlowId : this.deps.agentFlowId;
  }

  /**
   * Starts a capture of a payment `createPayment` makes once the bridge is claimed for it (the panel's
   * form, or the payments API for a bridged call): the same steps, whoever asked.
   */
  async startCapture(bridgeId: string, flowId: string, createPayment: (bridge: Bridge) => Promise<Payment>, agent: string | null = null): Promise<AgentResult> {
    const relayed = (await this.deps.bridges.get(bridgeId))?.media === 'relay';
    if (!this.deps.flows.has(flowId)) return refuse('invalid_flow', 'There is no such flow.');
    if ((this.deps.flows.get(flowId).flow.guide === 'agent') !== relayed) {
      return refuse('invalid_flow', relayed ? 'This call is relayed: its card captures are guided by the agent.' : 'Guided card captures need a relayed call.');
    }
    const theirs = (b: Bridge) => agent !== null && !!b.agent && b.agent !== agent;
    const claimed = await this.deps.bridges.update(
      bridgeId,
      (b) => (b.state === 'connected' && !theirs(b) ? { state: 'securing', lastError: null, ...(agent && !b.agent ? { agent } : {}) } : null),
      this.now(),
    );
    if (!claimed) return refuse('not_found', 'This call has ended.');
    if (theirs(claimed.bridge)) return refuse('not_found', 'No such call.');
    if (!claimed.changed) return refuse('busy', BUSY[claimed.bridge.state] ?? 'A capture is already under way on this call.');
    const bridge = claimed.bridge;
    await this.publish(bridge);

    let payment: Payment;
    try {
      payment = await createPayment(bridge);
    } catch (error) {
      // The bridge must not stay claimed by a capture that never began.
      await this.change(bridgeId, (b) => (b.state === 'securing' ? { state: 'connected' } : null));
      throw error;
    }
    // Before the caller can reach the capture: its events are published only once the bridge names it.
    await this.change(bridgeId, () => ({ paymentId: payment.id }));

    if (relayed) return this.startGuided(bridge, payment.id, flowId);

    // PCI DSS: no card digits may reach the recording, so a recording that will not pause stops the capture.
    if (bridge.record) {
      try {
        await this.deps.callControl.setRecording(this.recordingTarget(bridge), 'paused');
      } catch (error) {
        this.log(bridge).error('could not pause the recording; the capture does not start', { error });
        await this.change(bridgeId, () => ({ state: 'connected', lastError: 'The recording could not be paused, so the card capture did not start. Try again.' }));
        return refuse('recording_not_paused', 'The recording could not be paused, so the card capture did not start. Try again.');
      }
      await this.change(bridgeId, () => ({ recordingPaused: true }));
    }

    let onHold = false;
    if (bridge.conferenceSid && bridge.agentCallSid) {
      try {
        await this.deps.callControl.holdParticipant(bridge.conferenceSid, bridge.agentCallSid, { holdUrl: this.deps.urls.hold(), announceUrl: this.deps.urls.announce() });
        onHold = true;
      } catch (error) {
        // The caller leaves the conference anyway, so the agent cannot hear the keys: carry on.
        this.log(bridge).warn('could not put the agent on hold', { error });
      }
    }

    try {
      await this.deps.callControl.redirect(bridge.callerCallSid, this.deps.paymentVoiceUrl(payment.id));
    } catch (error) {
      this.log(bridge).error('could not move the caller to the capture', { error });
      await this.restore(bridge);
      await this.change(bridgeId, () => ({ state: 'connected', paymentId: payment.id, lastError: 'The caller could not be moved to the card capture. Try again.' }));
      return refuse('redirect_failed', 'The caller could not be moved to the card capture. Try again.');
    }
    await this.change(bridgeId, () => ({ state: 'capturing', paymentId: payment.id, agentOnHold: onHold }));
    this.log(bridge).info('secure capture started', { paymentId: payment.id, flowId });
    return { ok: true, paymentId: payment.id };
  }

  /**
   * A relayed call's capture: the caller stays with the agent, the relay masks the keys and hands
   * them to the capture, and the agent asks for each field. Nothing moves, holds or pauses.
   */
  private async startGuided(bridge: Bridge, paymentId: string, flowId: string): Promise<AgentResult> {
    const started = await this.deps.capture.startGuided(bridge.callerCallSid, paymentId);
    if (!started) {
      await this.change(bridge.id, () => ({ state: 'connected', lastError: 'The card capture could not start. Try again.' }));
      return refuse('not_started', 'The card capture could not start. Try again.');
    }
    await this.change(bridge.id, (b) => (b.state === 'securing' ? { state: 'capturing' } : null));
    this.log(bridge).info('guided capture started', { paymentId, flowId });
    return { ok: true, paymentId };
  }

  /**
   * Continue / Re-enter / Cancel / Try again from the panel, sent to the caller's capture; on a relayed
   * call also the guided capture's requests for a field and Charge.
   */
  async agentAction(bridgeId: string, action: AgentAction | GuideAction): Promise<AgentResult> {
    const bridge = await this.deps.bridges.get(bridgeId);
    if (!bridge || bridge.state !== 'capturing') return refuse('no_capture', 'No card capture is under way on this call.');
    if (bridge.media === 'relay') return this.guidedAction(bridge, action);
    if (isGuideAction(action)) return refuse('not_now', 'The capture is not at a step where that can be done.');
    const after = await this.deps.capture.agentAction(bridge.callerCallSid, action);
    if (!after) return refuse('not_now', 'The capture is not at a step where that can be done.');
    if (action === 'cancel') {
      // The caller waits at a prompt: only a redirect brings them back now.
      await this.deps.callControl.redirect(bridge.callerCallSid, this.deps.urls.rejoin(bridge.id));
    } else if (action === 'retry') {
      await this.deps.callControl.redirect(bridge.callerCallSid, this.deps.capturePollUrl(after.turn));
    } else {
      // The caller holds to hold audio that may run long: move them on now rather than at its end.
      // Their own check still comes back after the audio, so a failed move only makes them wait.
      try {
        await this.deps.callControl.redirect(bridge.callerCallSid, this.deps.capturePollUrl(after.turn));
      } catch (error) {
        this.log(bridge).warn('could not move the caller on after the agent’s check; their next check will', { error });
      }
    }
    return { ok: true, ...(bridge.paymentId ? { paymentId: bridge.paymentId } : {}) };
  }

  /** The agent's part in a relayed call's capture: nobody is moved, the capture alone changes. */
  private async guidedAction(bridge: Bridge, action: AgentAction | GuideAction): Promise<AgentResult> {
    const after = isGuideAction(action) ? await this.deps.capture.guideAction(bridge.callerCallSid, action) : await this.deps.capture.agentAction(bridge.callerCallSid, action);
    if (!after) return refuse('not_now', 'The capture is not at a step where that can be done.');
    return { ok: true, ...(bridge.paymentId ? { paymentId: bridge.paymentId } : {}) };
  }

  /** The caller typing into a relayed capture's field: the agent sees how many keys, never which. */
  async keysTyped(session: CallSession, field: CaptureField, keys: number): Promise<void> {
    const bridge = await this.deps.bridges.findByCall(session.callSid);
    if (!bridge || !session.paymentId || bridge.paymentId !== session.paymentId) return;
    await this.deps.events.publish({ type: 'typing', bridgeId: bridge.id, agent: bridge.agent ?? null, paymentId: session.paymentId, field, keys, at: this.now() });
  }

  /**
   * A call is followed when it has a bridge as its capture starts. A bridge is opened by the call's
   * first webhook to the bridge number, before any of its captures: a capture starts when the agent
   * moves the caller to the payment's voice URL, after the bridge names that payment, and only
   * captures of the payment the bridge names are ever published or ended by it. So no capture that
   * started without a bridge can later concern one.
   */
  async follows(callSid: string): Promise<boolean> {
    return (await this.deps.bridges.findByCall(callSid)) !== null;
  }

  /** Publishes every committed turn, and ends the bridge's capture when the capture ends. */
  async turnCommitted(change: CaptureChange): Promise<void> {
    if (!change.after.paymentId) return;
    // Self-service calls and link payments have no bridge: no panel has anything to do with them.
    const bridge = await this.deps.bridges.findByCall(change.after.callSid);
    if (!bridge) return;
    const event = await this.paymentEventOf(change.after, bridge, this.now());
    if (event) await this.deps.events.publish(event);
    if (!change.final) return;
    if (bridge.paymentId === change.after.paymentId && bridge.state === 'capturing') {
      // REST calls must not hold up the caller's last answer; a failure is shown to the agent instead.
      const work: Promise<void> = this.finishCapture(bridge, change.after.state.context.callEnded)
        .catch((error: unknown) => {
          this.log(bridge).error('could not end the secure capture', { error });
        })
        .finally(() => this.pending.delete(work));
      this.pending.add(work);
    }
  }

  /** Resolves when the background work started by ended captures is done (shutdown, tests). */
  async settled(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  /** A bridged caller's capture ends by going back to the agent, not by hanging up. */
  async returnUrl(session: CallSession): Promise<string | null> {
    // A caller who hung up has nobody to hand back.
    if (!session.paymentId || (await this.meaningOf(session)).outcome === 'hung_up') return null;
    const bridge = await this.deps.bridges.findByCall(session.callSid);
    if (!bridge || bridge.state === 'ended' || bridge.paymentId !== session.paymentId) return null;
    return this.deps.urls.rejoin(bridge.id);
  }

  async findByCall(callSid: string): Promise<Bridge | null> {
    return this.deps.bridges.findByCall(callSid);
  }

  /** Every live bridge and its capture's masked state: what a panel draws before live events arrive. */
  async snapshot(): Promise<{ bridges: BridgeEvent[]; payments: PaymentEvent[] }> {
    const at = this.now();
    const bridges = await this.deps.bridges.live();
    const payments: PaymentEvent[] = [];
    for (const bridge of bridges) {
      const session = bridge.paymentId ? await this.deps.sessions.get(bridge.callerCallSid) : null;
      const event = session ? await this.paymentEventOf(session.value, bridge, at) : null;
      if (event) payments.push(event);
    }
    return { bridges: bridges.map((b) => bridgeEvent(b, at)), payments };
  }

  async live(): Promise<Bridge[]> {
    return this.deps.bridges.live();
  }

  async get(bridgeId: string): Promise<Bridge | null> {
    return this.deps.bridges.get(bridgeId);
  }

  /** The panel's view of a capture; a relayed call's says what the agent may ask for. */
  private async paymentEventOf(session: CallSession, bridge: Bridge, at: string): Promise<PaymentEvent | null> {
    const { flow, machine } = await this.deps.callFlows.of(session);
    const guideMay = flow.guide === 'agent' ? guideMayOf(machine, session.state) : null;
    return paymentEvent(session, meaningOf(machine, session.state), bridge, at, guideMay);
  }

  /** What a capture's stored state means, read from its flow's machine. */
  private async meaningOf(session: CallSession): Promise<StateMeaning> {
    return meaningOf((await this.deps.callFlows.of(session)).machine, session.state);
  }

  private async finishCapture(bridge: Bridge, callEnded: boolean): Promise<void> {
    // A relayed caller never left the agent: there is nothing to restore.
    if (bridge.media !== 'relay') await this.restore(bridge);
    // A relayed capture that ended with the call (a leg's stream dropped) leaves nobody connected; the
    // relay's report of the drop may come before or after this, and sets the same state with its words.
    const after: Bridge['state'] = bridge.media === 'relay' && callEnded ? 'dropped' : 'connected';
    await this.change(bridge.id, (b) => (b.state === 'capturing' ? { state: after, recordingPaused: false, agentOnHold: false } : null));
  }

  /** Agent off hold, recording back on: each tried even when the other fails. */
  private async restore(bridge: Bridge): Promise<void> {
    const problems: string[] = [];
    if (bridge.conferenceSid && bridge.agentCallSid) {
      await this.deps.callControl.holdParticipant(bridge.conferenceSid, bridge.agentCallSid, null).catch((error: unknown) => {
        this.log(bridge).error('could not take the agent off hold', { error });
        problems.push('The agent could not be taken off hold.');
      });
    }
    if (bridge.record) {
      await this.deps.callControl.setRecording(this.recordingTarget(bridge), 'in-progress').catch((error: unknown) => {
        this.log(bridge).error('could not resume the recording', { error });
        problems.push('The recording could not be resumed.');
      });
    }
    await this.change(bridge.id, () => ({ recordingPaused: false, agentOnHold: false, ...(problems.length > 0 ? { lastError: problems.join(' ') } : {}) }));
  }

  private relay(): RelayStreams {
    if (!this.deps.relay) throw new Error('a relayed bridge on a gateway without the media relay');
    return this.deps.relay;
  }

  private recordingTarget(bridge: Bridge) {
    const sid = bridge.recordingSid ? { recordingSid: bridge.recordingSid } : {};
    return bridge.conferenceSid ? { conferenceSid: bridge.conferenceSid, ...sid } : { callSid: bridge.callerCallSid, ...sid };
  }

  private conference(bridge: Bridge): string {
    return conferenceTwiml({
      conference: bridge.conference,
      record: bridge.record,
      recordingCallback: this.deps.urls.recording(bridge.id),
      statusCallback: this.deps.urls.status(bridge.id, 'caller'),
    });
  }

  private async change(bridgeId: string, patch: (b: Bridge) => Partial<Bridge> | null): Promise<Bridge | null> {
    const result = await this.deps.bridges.update(bridgeId, patch, this.now());
    if (result?.changed) await this.publish(result.bridge);
    return result?.bridge ?? null;
  }

  private async publish(bridge: Bridge): Promise<void> {
    await this.deps.events.publish(bridgeEvent(bridge, this.now())).catch((error: unknown) => this.log(bridge).warn('could not publish a bridge event', { error }));
  }

  private now(): string {
    return this.deps.clock.now().toISOString();
  }

  private log(bridge: Bridge): Logger {
    return this.deps.logger.child({ bridgeId: bridge.id, callSid: bridge.callerCallSid });
  }
}

function isGuideAction(action: string): action is GuideAction {
  return (GUIDE_ACTIONS as readonly string[]).includes(action);
}

function refuse(code: string, message: string): AgentResult {
  return { ok: false, code, message };
}
