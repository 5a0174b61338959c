/**
 * A call as Twilio runs it: fetches TwiML from the gateway (signed), follows its verbs, posts status
 * callbacks, opens Media Streams, sits in conferences, and moves when the REST API updates it.
 */
import { randomBytes } from 'node:crypto';
import { ChangeWaiters } from '../../../src/cli/changeWaiters';
import { MediaStreamLeg, type StreamLegOptions } from './mediaStream';
import { readTwiml, type ConferenceVerb, type GatherVerb, type Heard, type Method, type StreamVerb, type TwimlVerb } from './twiml';
import { callWebhook } from './webhooks';

export type CallStatus = 'queued' | 'ringing' | 'in-progress' | 'completed' | 'busy' | 'failed' | 'no-answer' | 'canceled';
export type ProgressEvent = 'initiated' | 'ringing' | 'answered' | 'completed';

/** Where a call's TwiML comes from when it is answered or moved. */
export type Instructions = { url: string; method: Method } | { twiml: string };

export interface CallSetup {
  from: string;
  to: string;
  direction: 'inbound' | 'outbound-api';
  statusCallback?: string;
  statusCallbackMethod?: Method;
  /** Which progress events are posted; Twilio's default is `completed` only. */
  statusCallbackEvents?: ProgressEvent[];
}

/**
 * A stream played by someone other than the call (a load generator on other threads): the call only
 * needs to know when it ends and how to end it, as it does with its own MediaStreamLeg.
 */
export interface HandedStream {
  readonly streamSid: string;
  readonly closed: Promise<{ code: number; reason: string }>;
  /** Whether this side ended the stream (`stop` sent), rather than the gateway closing it. */
  readonly stoppedByTwilio: boolean;
  /** `stop`, then the socket closes; resolves once it has. */
  hangUp(): Promise<void>;
}

/** Opens a `<Connect><Stream>` in the call's place; rejects when the gateway refuses it, as MediaStreamLeg.open does. */
export type StreamOpener = (call: SimulatedCall, options: StreamLegOptions) => Promise<HandedStream>;

/** The account a call belongs to, and what the server lets calls share (conferences, the document bound). */
export interface CallHost {
  accountSid: string;
  authToken: string;
  /** When set, streams are handed to it instead of being opened and played by the call (`stream` stays null). */
  streamOpener?: StreamOpener;
  /** Most TwiML documents one call may fetch: a `<Redirect>` loop ends the call instead of spinning. */
  maxDocuments: number;
  joinConference(call: SimulatedCall, verb: ConferenceVerb): void;
  leaveConference(call: SimulatedCall): void;
}

/** One thing the call did, in order, for tests to read. */
export type CallEvent =
  | { kind: 'fetched'; url: string; status: number }
  | { kind: 'heard'; heard: Heard }
  | { kind: 'gathered'; digits: string; finishedOnKey: string }
  | { kind: 'stream-opened'; url: string; streamSid: string }
  | { kind: 'stream-closed'; streamSid: string; code: number }
  | { kind: 'conference'; name: string }
  | { kind: 'callback'; event: ProgressEvent; status: number }
  | { kind: 'error'; message: string }
  | { kind: 'unsupported'; name: string }
  | { kind: 'ended'; status: CallStatus };

/** Raised inside a run when the REST API moves or ends the call: the current verb stops. */
class Interrupted extends Error {}

export class SimulatedCall {
  readonly sid = `CA${randomBytes(16).toString('hex')}`;
  status: CallStatus = 'queued';
  readonly events: CallEvent[] = [];
  /** The stream the call is in now, if any. */
  stream: MediaStreamLeg | null = null;
  /** The stream the call is in now, whoever plays it: the one `stopCurrent` ends. */
  private current: HandedStream | null = null;
  /** Every stream the call opened, in order. */
  readonly streams: MediaStreamLeg[] = [];
  /** The conference it sits in, by name. */
  conference: string | null = null;
  readonly ended: Promise<void>;

  private readonly keys: string[] = [];
  private interrupt: AbortController = new AbortController();
  private documents = 0;
  private callbackSequence = 0;
  private readonly startedAt = Date.now();
  private pendingDialAction: { url: string; method: Method } | null = null;
  private releaseConference: (() => void) | null = null;
  private readonly waiters = new ChangeWaiters();
  private endCall!: () => void;

  constructor(
    private readonly host: CallHost,
    readonly setup: CallSetup,
  ) {
    this.ended = new Promise((resolve) => (this.endCall = resolve));
  }

  /** Everything the called party heard (`<Say>` text, `<Play>` URLs), in order. */
  get heard(): Heard[] {
    return this.events.flatMap((e) => (e.kind === 'heard' ? [e.heard] : []));
  }

  get isLive(): boolean {
    return !['completed', 'busy', 'failed', 'no-answer', 'canceled'].includes(this.status);
  }

  /** Queues keypad presses for the coming `<Gather>`s (a `w` is not supported: tests pass digits, `*` and `#`). */
  press(keys: string): void {
    this.keys.push(...keys.split(''));
    this.waiters.changed();
  }

  /** Rings and answers, then runs the TwiML. `ringing` and `answered` callbacks are posted as configured. */
  answer(instructions: Instructions): void {
    const signal = this.interrupt.signal;
    void (async () => {
      await this.ring(signal);
      await this.follow(instructions, signal);
    })().catch((error: unknown) => this.fail(error));
  }

  /** A call dialled into a conference by the Participants API: rings, answers and sits there, with no TwiML of its own. */
  answerIntoConference(name: string): void {
    const signal = this.interrupt.signal;
    void (async () => {
      await this.ring(signal);
      await this.sitInConference({ verb: 'dial-conference', name, action: '', method: 'POST', record: false, endConferenceOnExit: false }, '', signal);
    })().catch((error: unknown) => this.fail(error));
  }

  /** The REST API moves the call: the current verb stops (a stream is stopped), then the new TwiML runs. */
  async moveTo(instructions: Instructions): Promise<void> {
    await this.stopCurrent();
    const signal = this.interrupt.signal;
    void (async () => {
      // A call waiting in <Dial action> first requests that action (its answer is ignored), as Twilio does.
      const dialAction = this.pendingDialAction;
      this.pendingDialAction = null;
      if (dialAction) await this.fetch(dialAction.url, dialAction.method, { DialCallStatus: 'completed' }).catch(() => undefined);
      await this.follow(instructions, signal);
    })().catch((error: unknown) => this.fail(error));
  }

  /** Ends the call (REST `Status=completed`, or the party hangs up): a stream gets `stop`, callbacks are posted. */
  async hangUp(): Promise<void> {
    if (!this.isLive) return;
    await this.stopCurrent();
    await this.finish(this.status === 'in-progress' ? 'completed' : 'canceled');
  }

  /** Plays a side document to this call (hold music, an announcement): what it says is heard, nothing else runs. */
  async playAside(url: string, method: Method): Promise<void> {
    try {
      const answer = await this.fetch(url, method, {});
      for (const verb of readTwiml(answer.body)) if (verb.verb === 'say' || verb.verb === 'play') this.record({ kind: 'heard', heard: verb });
    } catch (error) {
      this.record({ kind: 'error', message: `${method} ${url}: ${(error as Error).message}` });
    }
  }

  /** Resolves once `condition` holds; rejects after `timeoutMs` naming `what`. */
  async waitFor(condition: (call: SimulatedCall) => boolean, timeoutMs: number, what: string): Promise<void> {
    await this.waiters.until(
      () => condition(this),
      timeoutMs,
      () => new Error(`call ${this.sid}: timed out after ${timeoutMs} ms waiting for ${what}; events: ${JSON.stringify(this.events)}`),
    );
  }

  /** Waits for the call's next stream (or its current one when `index` names it) to be open. */
  async waitForStream(timeoutMs: number, index = 0): Promise<MediaStreamLeg> {
    await this.waitFor((call) => call.streams.length > index, timeoutMs, `stream #${index + 1}`);
    return this.streams[index]!;
  }

  /** Twilio's parameters of every request about this call. */
  parameters(): Record<string, string> {
    return {
      AccountSid: this.host.accountSid,
      ApiVersion: '2010-04-01',
      CallSid: this.sid,
      CallStatus: this.status,
      Called: this.setup.to,
      Caller: this.setup.from,
      Direction: this.setup.direction,
      From: this.setup.from,
      To: this.setup.to,
    };
  }

  /** The Call resource as the REST API answers it. */
  resource(): Record<string, unknown> {
    return {
      sid: this.sid,
      account_sid: this.host.accountSid,
      to: this.setup.to,
      from: this.setup.from,
      status: this.status,
      direction: this.setup.direction,
      api_version: '2010-04-01',
      parent_call_sid: null,
      date_created: new Date(this.startedAt).toUTCString(),
      duration: this.isLive ? null : String(Math.round((Date.now() - this.startedAt) / 1000)),
      uri: `/2010-04-01/Accounts/${this.host.accountSid}/Calls/${this.sid}.json`,
    };
  }

  private async ring(signal: AbortSignal): Promise<void> {
    await this.progress('initiated', 'queued');
    this.check(signal);
    await this.progress('ringing', 'ringing');
    this.check(signal);
    await this.progress('answered', 'in-progress');
    this.check(signal);
  }

  private async follow(instructions: Instructions, signal: AbortSignal): Promise<void> {
    let next: { url: string; method: Method; extra?: Record<string, string> } | null = null;
    let verbs: TwimlVerb[];
    let documentUrl = '';
    if ('twiml' in instructions) verbs = readTwiml(instructions.twiml);
    else ({ verbs, documentUrl } = await this.load(instructions.url, instructions.method, {}, signal));
    for (;;) {
      next = await this.perform(verbs, documentUrl, signal);
      if (next === null) break;
      ({ verbs, documentUrl } = await this.load(next.url, next.method, next.extra ?? {}, signal));
    }
    if (!signal.aborted && this.isLive) await this.finish('completed');
  }

  /** Runs the verbs of one document; answers the next document to fetch, or null when the call ends. */
  private async perform(verbs: TwimlVerb[], documentUrl: string, signal: AbortSignal): Promise<{ url: string; method: Method; extra?: Record<string, string> } | null> {
    const resolve = (url: string): string => new URL(url, documentUrl || undefined).toString();
    for (const verb of verbs) {
      this.check(signal);
      switch (verb.verb) {
        case 'say':
        case 'play':
          this.record({ kind: 'heard', heard: verb });
          break;
        case 'pause':
          await this.sleep(verb.seconds * 1000, signal);
          break;
        case 'gather': {
          const result = await this.gather(verb, signal);
          if (result.digits === '' && !verb.actionOnEmptyResult) break;
          return { url: resolve(verb.action || documentUrl), method: verb.method, extra: { Digits: result.digits, FinishedOnKey: result.finishedOnKey } };
        }
        case 'redirect':
          return { url: resolve(verb.url), method: verb.method };
        case 'hangup':
          return null;
        case 'connect-stream': {
          await this.connectStream(verb, signal);
          if (verb.action) return { url: resolve(verb.action), method: verb.method };
          break;
        }
        case 'dial-conference': {
          await this.sitInConference(verb, documentUrl, signal);
          if (verb.action) return { url: resolve(verb.action), method: verb.method, extra: { DialCallStatus: 'completed' } };
          break;
        }
        case 'unsupported':
          this.record({ kind: 'unsupported', name: verb.name });
          break;
      }
    }
    // Twilio hangs up when a document runs out of verbs.
    return null;
  }

  private async gather(verb: GatherVerb, signal: AbortSignal): Promise<{ digits: string; finishedOnKey: string }> {
    for (const prompt of verb.prompts) this.record({ kind: 'heard', heard: prompt });
    let digits = '';
    for (;;) {
      if (this.keys.length === 0) {
        // Waits up to `timeout` seconds for the next key, as Twilio waits between keys.
        const pressed = await this.waitForKey(verb.timeout * 1000, signal);
        if (!pressed) break;
      }
      const key = this.keys.shift()!;
      if (verb.finishOnKey !== '' && verb.finishOnKey.includes(key)) {
        this.record({ kind: 'gathered', digits, finishedOnKey: key });
        return { digits, finishedOnKey: key };
      }
      digits += key;
      if (verb.numDigits !== undefined && digits.length >= verb.numDigits) break;
    }
    this.record({ kind: 'gathered', digits, finishedOnKey: '' });
    return { digits, finishedOnKey: '' };
  }

  private async connectStream(verb: StreamVerb, signal: AbortSignal): Promise<void> {
    const options = { url: verb.url, authToken: this.host.authToken, accountSid: this.host.accountSid, callSid: this.sid, customParameters: verb.parameters };
    let leg: HandedStream;
    try {
      leg = this.host.streamOpener ? await this.host.streamOpener(this, options) : await MediaStreamLeg.open(options);
    } catch (error) {
      // Twilio carries on with the next verb when the stream cannot be opened.
      this.record({ kind: 'error', message: `stream ${verb.url}: ${(error as Error).message}` });
      return;
    }
    this.current = leg;
    if (leg instanceof MediaStreamLeg) {
      this.stream = leg;
      this.streams.push(leg);
    }
    this.record({ kind: 'stream-opened', url: verb.url, streamSid: leg.streamSid });
    const closed = await leg.closed;
    if (this.current === leg) this.current = null;
    if (this.stream === leg) this.stream = null;
    this.record({ kind: 'stream-closed', streamSid: leg.streamSid, code: closed.code });
    // The party hung up on the leg itself (a test's leg.hangUp()): the call ends rather than running on.
    if (leg.stoppedByTwilio && !signal.aborted) await this.finish('completed');
    this.check(signal);
  }

  private async sitInConference(verb: ConferenceVerb, documentUrl: string, signal: AbortSignal): Promise<void> {
    this.conference = verb.name;
    this.host.joinConference(this, verb);
    this.record({ kind: 'conference', name: verb.name });
    if (verb.action) this.pendingDialAction = { url: new URL(verb.action, documentUrl || undefined).toString(), method: verb.method };
    // The call stays until it is moved or ended, or the conference ends (then the TwiML after <Dial> runs).
    await new Promise<void>((resolve, reject) => {
      this.releaseConference = () => {
        this.releaseConference = null;
        resolve();
      };
      signal.addEventListener('abort', () => reject(new Interrupted()), { once: true });
    });
    this.pendingDialAction = null;
  }

  /** The conference ended around this call (a participant with endConferenceOnExit left). */
  conferenceEnded(): void {
    this.conference = null;
    this.releaseConference?.();
  }

  private async load(url: string, method: Method, extra: Record<string, string>, signal: AbortSignal): Promise<{ verbs: TwimlVerb[]; documentUrl: string }> {
    this.check(signal);
    this.documents += 1;
    if (this.documents > this.host.maxDocuments) throw new Error(`more than ${this.host.maxDocuments} TwiML documents: a redirect loop?`);
    const answer = await this.fetch(url, method, extra);
    this.check(signal);
    if (answer.status < 200 || answer.status >= 300) throw new Error(`${method} ${url} answered HTTP ${answer.status}`);
    return { verbs: readTwiml(answer.body), documentUrl: url };
  }

  private async fetch(url: string, method: Method, extra: Record<string, string>) {
    const answer = await callWebhook(this.host.authToken, url, method, { ...this.parameters(), ...extra });
    this.record({ kind: 'fetched', url, status: answer.status });
    return answer;
  }

  /** Posts a progress callback when the call asked for that event; the call's status moves either way. */
  private async progress(event: ProgressEvent, status: CallStatus): Promise<void> {
    this.status = status;
    this.waiters.changed();
    const { statusCallback, statusCallbackEvents = ['completed'], statusCallbackMethod = 'POST' } = this.setup;
    if (!statusCallback || !statusCallbackEvents.includes(event)) return;
    this.callbackSequence += 1;
    const params = {
      ...this.parameters(),
      // Twilio reports the initiated event with a status of its own.
      CallStatus: event === 'initiated' ? 'initiated' : status,
      CallbackSource: 'call-progress-events',
      SequenceNumber: String(this.callbackSequence - 1),
      Timestamp: new Date().toUTCString(),
      ...(event === 'completed' && { CallDuration: String(Math.round((Date.now() - this.startedAt) / 1000)) }),
    };
    try {
      const answer = await callWebhook(this.host.authToken, statusCallback, statusCallbackMethod, params);
      this.record({ kind: 'callback', event, status: answer.status });
    } catch (error) {
      this.record({ kind: 'error', message: `status callback ${statusCallback}: ${(error as Error).message}` });
    }
  }

  private async finish(status: CallStatus): Promise<void> {
    if (!this.isLive) return;
    if (this.conference !== null) this.host.leaveConference(this);
    this.conference = null;
    await this.progress('completed', status);
    this.record({ kind: 'ended', status });
    this.endCall();
  }

  /**
   * Stops what the call is doing without waiting for it: a webhook in flight may be the very request
   * that asked for this move, so its answer is dropped rather than awaited.
   */
  private async stopCurrent(): Promise<void> {
    this.interrupt.abort();
    this.interrupt = new AbortController();
    if (this.conference !== null) this.host.leaveConference(this);
    this.conference = null;
    // Twilio sends `stop` and closes the socket when the call leaves a stream.
    await this.current?.hangUp();
  }

  private fail(error: unknown): void {
    if (error instanceof Interrupted) return;
    this.record({ kind: 'error', message: (error as Error).message });
    // Twilio ends a call whose TwiML it cannot fetch or read ("an application error has occurred").
    void this.finish('completed');
  }

  private async waitForKey(timeoutMs: number, signal: AbortSignal): Promise<boolean> {
    this.check(signal);
    return new Promise<boolean>((resolve, reject) => {
      const done = (pressed: boolean): void => {
        clearTimeout(timer);
        unwatch();
        signal.removeEventListener('abort', onAbort);
        resolve(pressed);
      };
      const onAbort = (): void => {
        clearTimeout(timer);
        unwatch();
        reject(new Interrupted());
      };
      const timer = setTimeout(() => done(false), timeoutMs);
      const unwatch = this.waiters.watch(() => {
        if (this.keys.length > 0) done(true);
      });
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(new Interrupted());
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private check(signal: AbortSignal): void {
    if (signal.aborted || !this.isLive) throw new Interrupted();
  }

  private record(event: CallEvent): void {
    this.events.push(event);
    this.waiters.changed();
  }
}
