/**
 * A local Twilio-shaped server: it plays Twilio's part over real HTTP and WebSocket, so tests drive
 * calls end to end exactly as Twilio would. Point the gateway at it with `TWILIO_API_URL=server.url`
 * (and the same `TWILIO_ACCOUNT_SID` / `TWILIO_AUTH_TOKEN`).
 *
 *   const twilio = await startTwilioServer();            // loopback, a free port
 *   // a caller rings a number whose voice URL is the gateway's:
 *   const caller = twilio.incomingCall({ url: `${gw}/voice/bridge`, from: '+15005550006', to: '+15005550001' });
 *   caller.press('1234#');                               // keys for the coming <Gather>s
 *   const leg = await caller.waitForStream(5000);        // after <Connect><Stream url="wss://…">
 *   await leg.play(muLawBuffer, { dtmf: [{ atMs: 200, digit: '4' }] });
 *   leg.receivedAudio(); leg.received;                   // what the gateway sent back (media, mark, clear)
 *   const agent = await twilio.waitForCall((c) => c.setup.to === 'client:agent-1', 5000, 'the agent leg');
 *   await caller.hangUp();                               // `stop` + socket close, completed callback
 *   await twilio.close();
 *
 * REST (`/2010-04-01/Accounts/{sid}/…`, Basic auth with the account SID and auth token, Twilio's JSON
 * answers and `{ code, message, more_info, status }` errors): Calls create (To, From, Url+Method or Twiml,
 * StatusCallback, StatusCallbackEvent) and update (Url+Method, Twiml, Status=completed); conference
 * Participants create and update (Hold, HoldUrl, HoldMethod, AnnounceUrl, Muted); Recordings update
 * (Status, PauseBehavior; `Twilio.CURRENT`). `requests` lists every REST request; `failNext(503, 'drop')`
 * answers the next ones with an error or a dropped connection.
 *
 * Calls fetch their TwiML with Twilio's signed, form-encoded parameters and follow `<Say>`/`<Play>`
 * (recorded in `heard`), `<Pause>`, `<Gather>` (keys from `press`), `<Redirect>`, `<Hangup>`,
 * `<Dial><Conference>` and `<Connect><Stream>` with `<Parameter>`s. A stream opens a WebSocket with a
 * signed handshake (the URL as written; a loopback `wss://` is dialled as `ws://`) and speaks the Media
 * Streams protocol (see mediaStream.ts); when the gateway closes it, the TwiML after `<Connect>` runs.
 * Status callbacks are posted for the events a call asked for. A call's `events` log says what it did.
 */
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SimulatedCall, type CallHost, type CallSetup, type ProgressEvent, type StreamOpener } from './calls';
import { Conferences } from './conferences';
import { restApi, type RestFault, type RestRequest, type Telephony } from './restApi';
import type { ConferenceVerb, Method } from './twiml';

export { FRAME_BYTES, MediaStreamLeg, type PlayOptions, type ReceivedMessage, type TimedDtmf } from './mediaStream';
export { SimulatedCall, type CallEvent, type CallStatus, type HandedStream, type ProgressEvent, type StreamOpener } from './calls';
export type { Heard } from './twiml';
export type { RestFault, RestRequest } from './restApi';

export interface TwilioServerOptions {
  accountSid?: string;
  authToken?: string;
  /** Most TwiML documents one call may fetch (a redirect loop ends the call); 200 by default. */
  maxDocumentsPerCall?: number;
  /**
   * Opens every call's `<Connect><Stream>` in the call's place (the relay benchmark's worker threads own
   * their sockets): the call records the stream's events and waits for it to end, but has no
   * MediaStreamLeg (`stream`, `streams` and `waitForStream` stay empty).
   */
  streamOpener?: StreamOpener;
}

/** A call arriving at a Twilio number: the number's voice URL, and who calls whom. */
export interface IncomingCall {
  url: string;
  method?: Method;
  from: string;
  to: string;
  /** The number's status callback, with the events it asks for (Twilio's default: `completed`). */
  statusCallback?: string;
  statusCallbackEvents?: ProgressEvent[];
}

export const TEST_ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
export const TEST_AUTH_TOKEN = 'twilio-server-auth-token-0123456789';

export class TwilioServer implements Telephony, CallHost {
  readonly requests: RestRequest[] = [];
  /** Every call, in the order it was placed or arrived. */
  readonly calls: SimulatedCall[] = [];
  readonly conferences = new Conferences();
  readonly maxDocuments: number;
  private readonly faults: RestFault[] = [];
  private readonly callListeners = new Set<() => void>();
  private http: Server | null = null;

  constructor(
    readonly accountSid: string,
    readonly authToken: string,
    maxDocuments: number,
    readonly streamOpener?: StreamOpener,
  ) {
    this.maxDocuments = maxDocuments;
  }

  /** The base URL to use as TWILIO_API_URL. */
  get url(): string {
    const address = this.http?.address() as AddressInfo | null;
    if (!address) throw new Error('the Twilio server is not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  async listen(): Promise<void> {
    this.http = restApi(this).listen(0, '127.0.0.1');
    await once(this.http, 'listening');
  }

  /** A caller rings a number whose voice URL is `url`: the call is answered and its TwiML runs. */
  incomingCall(call: IncomingCall): SimulatedCall {
    const simulated = this.placeCall({
      from: call.from,
      to: call.to,
      direction: 'inbound',
      ...(call.statusCallback !== undefined && { statusCallback: call.statusCallback }),
      ...(call.statusCallbackEvents !== undefined && { statusCallbackEvents: call.statusCallbackEvents }),
    });
    simulated.answer({ url: call.url, method: call.method ?? 'POST' });
    return simulated;
  }

  /** The next REST requests are answered with these faults, one each, in order. */
  failNext(...faults: RestFault[]): void {
    this.faults.push(...faults);
  }

  /** Resolves with the first call (placed or arrived) that matches; rejects after `timeoutMs`. */
  async waitForCall(matches: (call: SimulatedCall) => boolean, timeoutMs: number, what: string): Promise<SimulatedCall> {
    const found = this.calls.find(matches);
    if (found) return found;
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const call = this.calls.find(matches);
        if (!call) return;
        clearTimeout(timer);
        this.callListeners.delete(check);
        resolve(call);
      };
      const timer = setTimeout(() => {
        this.callListeners.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; calls: ${this.calls.map((c) => `${c.setup.to} ${c.status}`).join(', ')}`));
      }, timeoutMs);
      this.callListeners.add(check);
    });
  }

  /** Starts a recording of a call or conference (as `record` attributes would), for the Recordings API. */
  startRecording(parentSid: string): string {
    return this.conferences.startRecording(parentSid).sid;
  }

  /** Ends every live call (streams get `stop`) and stops listening. */
  async close(): Promise<void> {
    await Promise.all(this.calls.map((call) => call.hangUp().catch(() => undefined)));
    if (!this.http) return;
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http!.close(() => resolve()));
    this.http = null;
  }

  findCall(sid: string): SimulatedCall | undefined {
    return this.calls.find((call) => call.sid === sid);
  }

  placeCall(setup: CallSetup): SimulatedCall {
    const call = new SimulatedCall(this, setup);
    this.calls.push(call);
    for (const listener of [...this.callListeners]) listener();
    return call;
  }

  nextFault(): RestFault | undefined {
    return this.faults.shift();
  }

  joinConference(call: SimulatedCall, verb: ConferenceVerb): void {
    this.conferences.join(verb.name, call, { record: verb.record, endConferenceOnExit: verb.endConferenceOnExit });
  }

  leaveConference(call: SimulatedCall): void {
    this.conferences.leave(call);
  }
}

/** Starts a Twilio-shaped server on a free loopback port. */
export async function startTwilioServer(options: TwilioServerOptions = {}): Promise<TwilioServer> {
  const server = new TwilioServer(options.accountSid ?? TEST_ACCOUNT_SID, options.authToken ?? TEST_AUTH_TOKEN, options.maxDocumentsPerCall ?? 200, options.streamOpener);
  await server.listen();
  return server;
}
