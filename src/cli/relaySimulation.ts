import { randomBytes } from 'node:crypto';
import twilio from 'twilio';
import { FakeCallControl } from '../adapters/callControl/fakeCallControl';
import { startGateway, type RunningGateway } from '../app/server';
import type { GatewayEvent, PaymentEvent } from '../ports/eventBus';
import { AgentEar } from './agentEar';
import { parseKeyToken } from './keySources';
import { AudioClock, LegAudio } from './legAudio';
import { MediaStreamLeg } from './mediaStreamLeg';
import { attributesOf, elementsOf, responseVerbs, tagOf } from './twimlTree';

export interface RelaySimulationOptions {
  out: (line: string) => void;
  /** The caller's keys per field the agent asks for (scripted; the agent is then played too), or null: interactive. */
  script: string[] | null;
  /** Lines typed at the terminal (interactive mode): caller keys and the agent's commands. */
  lines?: AsyncIterable<string>;
  amount: string;
  currency: string;
  /** Send Twilio's `dtmf` event with each key's tone; false: the relay's detector alone must catch them. */
  dtmfEvents: boolean;
  env?: NodeJS.ProcessEnv;
  /** Port of the in-process gateway (the panel's address); 0 picks a free one. */
  port: number;
  logStream?: NodeJS.WritableStream;
  /** The payment at the end, masked, in one line. */
  describe: (gateway: RunningGateway, paymentId: string) => Promise<{ status: string; line: string }>;
  /** Exit 1 unless the payment ends with this status. */
  expect?: string;
}

const CALLER = '+15005550006';
const BRIDGE_NUMBER = '+15005550001';
const ACCOUNT_SID = `AC${'0'.repeat(32)}`;
const FIELDS = [
  { field: 'cardNumber', action: 'askCardNumber', words: 'card number' },
  { field: 'expiry', action: 'askExpiry', words: 'expiry' },
  { field: 'securityCode', action: 'askSecurityCode', words: 'security code' },
] as const;
type Field = (typeof FIELDS)[number];
/** Streams, panel events and payments cross the event loop of a busy machine: waits are generous. */
const WAIT_MS = 20_000;
/** A field without `#` ends by the flow's timeout (seconds): its result may take a while. */
const FIELD_RESULT_MS = 40_000;
const FIELD_WORDS: Record<string, string> = { cardNumber: 'Card number', expiry: 'Expiry', securityCode: 'Security code' };

const INTERACTIVE_HELP = [
  'You are both the caller and the agent. Type a line and Enter:',
  '  keys (0-9, *, #)      the caller presses them: keypad tones in the caller’s audio (digits show as •)',
  '  say                   the caller talks for a second      reply   the agent talks for a second',
  '  capture [amount] [currency]   the agent starts a card capture (default the --amount and --currency)',
  '  card | expiry | code  the agent asks for that field       charge  the agent charges the card',
  '  cancel                the agent calls the capture off     hangup  the caller hangs up (also Ctrl-D)',
  'The panel is live too: sign in at the address above to watch (or act) there.',
];

/**
 * Both legs of a relayed agent-assisted call in one process (BRIDGE_MEDIA=relay): a gateway starts here
 * with a fake call control that answers the agent's call it places, and each leg plays Twilio's part
 * over the Media Streams protocol. The caller's keys become keypad tones in its audio; the agent's side
 * prints what the relay let it hear, runs the gateway's tone detector over it, and drives the capture
 * through the panel's own HTTP actions, printing the panel's masked progress.
 */
export async function runRelaySimulation(options: RelaySimulationOptions): Promise<number> {
  const { out } = options;
  const control = new FakeCallControl();
  const env: NodeJS.ProcessEnv = { ...(options.env ?? process.env) };
  delete env.PUBLIC_BASE_URL;
  delete env.CALL_CONTROL;
  env.BRIDGE_MEDIA = 'relay';
  env.AGENT_DIAL ??= 'client:agent';
  const gateway = await startGateway({ env, port: options.port, host: '127.0.0.1', callControl: control, ...(options.logStream ? { logStream: options.logStream } : {}) });
  const baseUrl = gateway.config.http.publicBaseUrl.replace(/\/+$/, '');
  const authToken = gateway.config.twilio.authToken;
  const callerSid = newCallSid();
  const agentName = `simulator-${randomBytes(3).toString('hex')}`;
  const ear = new AgentEar(out);
  let agentLeg: MediaStreamLeg | null = null;
  const agentLegOpened = new Promise<MediaStreamLeg>((resolve, reject) => {
    // The gateway places the agent's call: it is answered at once and its TwiML's stream opened.
    control.onCreateCall = (callSid, call) => {
      if (!('twiml' in call.answer)) return reject(new Error('the agent’s call came without TwiML'));
      openStream(call.answer.twiml, callSid, authToken).then((leg) => {
        agentLeg = leg;
        leg.onAudio((audio) => ear.hear(audio));
        resolve(leg);
      }, reject);
    };
  });
  control.onEndCall = (callSid) => {
    if (agentLeg && callSid !== callerSid) void agentLeg.hangUp();
  };
  const panelLog = new PanelLog(out);
  let stopEvents: (() => void) | null = null;
  let clock: AudioClock | null = null;
  try {
    const { account, key } = await gateway.agents.add(agentName, 'agent', new Date());
    out(`gateway started at ${baseUrl} (BRIDGE_MEDIA=relay); agent panel: ${baseUrl}/panel (sign in as ${account.name} with the key ${key})`);
    const panel = await signIn(baseUrl, key);

    // The caller rings the bridge number: its TwiML streams the call to the relay.
    const answer = await twilioPost(`${baseUrl}/voice/bridge`, authToken, { CallSid: callerSid, AccountSid: ACCOUNT_SID, From: CALLER, To: BRIDGE_NUMBER, CallStatus: 'in-progress', Direction: 'inbound' });
    const callerLeg = await openStream(answer, callerSid, authToken);
    out('caller: dialled the bridge number; the call streams to the relay');
    await withDeadline(agentLegOpened, WAIT_MS, 'the agent’s leg');
    const bridge = await gateway.bridges.findByCall(callerSid);
    if (!bridge) throw new Error('the gateway opened no bridge for the call');
    stopEvents = gateway.events.subscribe((event) => panelLog.show(event, bridge.id));
    out('agent: answered; both legs stream through the relay (the agent hears the caller only through its tone masker)');

    const caller = new LegAudio(callerLeg);
    const agent = new LegAudio(await agentLegOpened);
    clock = new AudioClock([caller, agent]);
    const session: Session = { out, panel, bridgeId: bridge.id, caller, agent, panelLog, options, paymentId: null };

    if (options.script !== null) await playScript(session, options.script);
    else await playInteractive(session, options.lines ?? emptyLines());

    // The caller hangs up: Twilio's `stop`, then the number's status callback.
    await callerLeg.hangUp();
    await twilioPost(`${baseUrl}/voice/bridge/status?leg=caller`, authToken, { CallSid: callerSid, AccountSid: ACCOUNT_SID, CallStatus: 'completed' }).catch(() => '');
    out('caller: hung up');
    await withDeadline(agentLegOpened.then((leg) => leg.closed), WAIT_MS, 'the agent’s leg to close');
    await clock.stop();
    clock = null;
    ear.finish();
    await gateway.bridges.settled();

    let code = 0;
    if (session.paymentId !== null) {
      const final = await options.describe(gateway, session.paymentId);
      out(`payment ${session.paymentId}: ${final.line}`);
      if (options.expect !== undefined && final.status !== options.expect) {
        out(`expected the payment to end ${options.expect}, but it is ${final.status}`);
        code = 1;
      }
    }
    const { voice, masked, silence } = ear.totals;
    out(`the agent heard ${voice * 100} ms of voice, ${silence * 100} ms of quiet and ${masked * 100} ms masked by the relay`);
    if (ear.keysHeard === 0) out('the agent heard no keypad tone');
    else {
      out(`the agent heard ${ear.keysHeard} keypad tone(s): the relay let a key through`);
      code = 1;
    }
    return code;
  } finally {
    stopEvents?.();
    await clock?.stop();
    await gateway.agents.remove(agentName).catch(() => undefined);
    await gateway.bridges.settled();
    await gateway.close();
  }
}

interface Session {
  out: (line: string) => void;
  panel: PanelClient;
  bridgeId: string;
  caller: LegAudio;
  agent: LegAudio;
  panelLog: PanelLog;
  options: RelaySimulationOptions;
  paymentId: string | null;
}

/** The agent works through the capture as a script: each field asked, the caller answering with the next token. */
async function playScript(s: Session, tokens: string[]): Promise<void> {
  const presses = tokens.map((token) => parseKeyToken(token));
  if (presses.some((press) => press === null)) throw new Error('the key script holds something other than keys, "-" or HANGUP');
  s.out('caller: talks');
  await s.caller.say(1000);
  s.out('agent: talks');
  await s.agent.say(600);
  if (!(await startCapture(s, s.options.amount, s.options.currency))) return;

  let fieldIndex = 0;
  for (const press of presses) {
    const field: Field | undefined = FIELDS[fieldIndex];
    if (field === undefined || press === null) break;
    if (press === 'hangup') return;
    if (!(await askField(s, field))) return;
    // The agent asks aloud, and the caller types once they have heard it, as people do.
    await s.agent.say(600);
    const seen = s.panelLog.paymentEvents.length;
    const keys = press.digits + press.finishedOnKey;
    s.out(keys === '' ? 'caller: stays silent' : `caller: presses ${keys.length} key(s) as tones${s.options.dtmfEvents ? '' : ' (no Twilio dtmf events)'}`);
    await s.caller.press(keys, s.options.dtmfEvents);
    const result = await s.panelLog.waitForPayment((event, index) => index >= seen && event.asking !== field.field, FIELD_RESULT_MS, `the ${field.words} to be handed over`);
    if (fieldDone(result, field)) fieldIndex += 1;
  }
  if (fieldIndex < FIELDS.length) {
    s.out('caller: (the script has run out)');
    return;
  }
  await charge(s);
  s.out('caller: talks');
  await s.caller.say(500);
}

/** Caller keys and the agent's commands from the terminal, until `hangup` or the end of input. */
async function playInteractive(s: Session, lines: AsyncIterable<string>): Promise<void> {
  for (const line of INTERACTIVE_HELP) s.out(line);
  for await (const raw of lines) {
    const line = raw.trim();
    const [command = '', ...rest] = line.split(/\s+/);
    try {
      switch (command.toLowerCase()) {
        case '':
          continue;
        case 'hangup':
          return;
        case 'say':
          await s.caller.say(1000);
          continue;
        case 'reply':
          await s.agent.say(1000);
          continue;
        case 'capture':
          await startCapture(s, rest[0] ?? s.options.amount, rest[1] ?? s.options.currency);
          continue;
        case 'card':
        case 'expiry':
        case 'code':
          await askField(s, FIELDS[['card', 'expiry', 'code'].indexOf(command.toLowerCase())]!);
          continue;
        case 'charge':
          await charge(s);
          continue;
        case 'cancel':
          await action(s, 'cancel');
          continue;
        default: {
          const press = parseKeyToken(line.replace(/[\s-]+/g, ''));
          if (press === null || press === 'hangup') {
            s.out('not keys nor a command: type keys (0-9, *, #), or say, reply, capture, card, expiry, code, charge, cancel, hangup');
            continue;
          }
          const keys = press.digits + press.finishedOnKey;
          s.out(`caller: presses ${keys.length} key(s) as tones`);
          await s.caller.press(keys, s.options.dtmfEvents);
        }
      }
    } catch (error) {
      s.out(`error: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

async function startCapture(s: Session, amount: string, currency: string): Promise<boolean> {
  s.out(`agent: starts a card capture of ${amount} ${currency}`);
  const answer = await s.panel.post(`/bridges/${s.bridgeId}/capture`, { amount, currency });
  if (answer.body?.ok !== true) {
    s.out(`agent: the panel refused: ${String(answer.body?.message ?? `HTTP ${answer.status}`)}`);
    return false;
  }
  s.paymentId = String(answer.body.paymentId);
  s.out(`agent: capture started, payment ${s.paymentId}`);
  return true;
}

async function askField(s: Session, field: Field): Promise<boolean> {
  s.out(`agent: asks for the ${field.words}`);
  if (!(await action(s, field.action))) return false;
  await s.panelLog.waitForPayment((event) => event.asking === field.field, WAIT_MS, `the capture to ask for the ${field.words}`);
  return true;
}

async function charge(s: Session): Promise<void> {
  s.out('agent: reads the amount and last 4 to the caller, and charges');
  await s.agent.say(600);
  if (!(await action(s, 'charge'))) return;
  await s.panelLog.waitForPayment((event) => ['succeeded', 'failed'].includes(event.status) || /^Declined/.test(event.summary), WAIT_MS, 'the charge’s outcome');
}

async function action(s: Session, name: string): Promise<boolean> {
  const answer = await s.panel.post(`/bridges/${s.bridgeId}/actions/${name}`);
  if (answer.body?.ok === true) return true;
  s.out(`agent: the panel refused: ${String(answer.body?.message ?? `HTTP ${answer.status}`)}`);
  return false;
}

function fieldDone(event: PaymentEvent, field: Field): boolean {
  if (field.field === 'cardNumber') return event.card !== null;
  return field.field === 'expiry' ? event.expiryCaptured : event.securityCodeCaptured;
}

/**
 * What the panel shows of the call, as masked lines: the call's state and problems, each new step of the
 * capture, and the caller's typing as a key count once the field is handed over.
 */
class PanelLog {
  readonly paymentEvents: PaymentEvent[] = [];
  private shownLines = new Set<string>();
  private lastSummary = '';
  private lastBridge = '';
  private typing: { field: string; keys: number } | null = null;
  private readonly waiters = new Set<() => void>();

  constructor(private readonly out: (line: string) => void) {}

  show(event: GatewayEvent, bridgeId: string): void {
    // Chat-link events belong to no call.
    if (event.type === 'link' || event.bridgeId !== bridgeId) return;
    if (event.type === 'typing') {
      this.typing = { field: event.field, keys: event.keys };
      return;
    }
    if (event.type === 'bridge') {
      const line = `call ${event.state}${event.error ? ` — ${event.error}` : ''}`;
      if (line !== this.lastBridge) this.out(`panel: ${line}`);
      this.lastBridge = line;
      return;
    }
    if (this.typing) {
      this.out(`panel: ${FIELD_WORDS[this.typing.field] ?? this.typing.field}: typing… ${this.typing.keys} ${this.typing.keys === 1 ? 'key' : 'keys'}`);
      this.typing = null;
    }
    // Only what is new since the panel's last view: a step asked again (after a mistake) shows again.
    for (const line of event.lines) if (!this.shownLines.has(line)) this.out(`panel: ${line}`);
    if (event.summary !== this.lastSummary && !event.lines.includes(event.summary)) this.out(`panel: ${event.summary}`);
    this.shownLines = new Set(event.lines);
    this.lastSummary = event.summary;
    this.paymentEvents.push(event);
    for (const waiter of [...this.waiters]) waiter();
  }

  /** Resolves with the first payment event (already seen or to come) that `matches`. */
  waitForPayment(matches: (event: PaymentEvent, index: number) => boolean, timeoutMs: number, what: string): Promise<PaymentEvent> {
    const find = () => this.paymentEvents.find((event, index) => matches(event, index));
    const found = find();
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const check = () => {
        const event = find();
        if (!event) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(event);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }
}

interface PanelClient {
  post(path: string, body?: unknown): Promise<{ status: number; body: any }>;
}

/** The agent signs in to the panel as a browser does, and posts its actions with the session's CSRF token. */
async function signIn(baseUrl: string, key: string): Promise<PanelClient> {
  const origin = new URL(baseUrl).origin;
  const res = await fetch(`${baseUrl}/panel/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
    body: new URLSearchParams({ key }).toString(),
  });
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  if (res.status !== 303 || cookie === '') throw new Error(`the panel sign-in answered HTTP ${res.status}`);
  const page = await (await fetch(`${baseUrl}/panel`, { headers: { cookie } })).text();
  const csrf = /name="csrf-token" content="([^"]+)"/.exec(page)?.[1];
  if (!csrf) throw new Error('the panel page carries no CSRF token');
  return {
    async post(path, body = {}) {
      const answer = await fetch(`${baseUrl}/panel${path}`, {
        method: 'POST',
        headers: { cookie, origin, 'x-csrf-token': csrf, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: answer.status, body: await answer.json().catch(() => null) };
    },
  };
}

/** A webhook as Twilio sends it: a signed form POST (unsigned when the gateway has no auth token). */
async function twilioPost(url: string, authToken: string | null, params: Record<string, string>): Promise<string> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(authToken ? { 'x-twilio-signature': twilio.getExpectedTwilioSignature(authToken, url, params) } : {}),
    },
    body: new URLSearchParams(params).toString(),
  });
  const body = await response.text();
  if (!response.ok) throw new Error(`POST ${url} answered HTTP ${response.status}`);
  return body;
}

/** Opens the stream a leg's TwiML names (`<Connect><Stream url><Parameter …/>`), as Twilio does. */
async function openStream(twiml: string, callSid: string, authToken: string | null): Promise<MediaStreamLeg> {
  const verbs = responseVerbs(twiml, (problem) => new Error(`the leg’s TwiML is ${problem}`));
  const connect = verbs.find((verb) => tagOf(verb) === 'Connect');
  const stream = connect ? elementsOf(connect).find((child) => tagOf(child) === 'Stream') : undefined;
  const url = stream ? attributesOf(stream).url : undefined;
  if (!stream || !url) throw new Error('the gateway answered the leg without a <Connect><Stream>: is BRIDGE_MEDIA=relay in effect?');
  const customParameters: Record<string, string> = {};
  for (const child of elementsOf(stream)) {
    const { name, value } = attributesOf(child);
    if (tagOf(child) === 'Parameter' && name !== undefined) customParameters[name] = value ?? '';
  }
  return MediaStreamLeg.open({ url, authToken: authToken ?? '', accountSid: ACCOUNT_SID, callSid, customParameters });
}

function newCallSid(): string {
  return `CA${randomBytes(16).toString('hex')}`;
}

async function* emptyLines(): AsyncIterable<string> {}

async function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
