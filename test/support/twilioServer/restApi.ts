/**
 * Twilio's REST API (2010-04-01) for what the gateway's call control uses: Calls create/update,
 * conference Participants create/update, Recordings update. Basic auth is checked; answers and
 * errors have Twilio's JSON shapes (`{ code, message, more_info, status }`).
 */
import express, { type Request, type Response } from 'express';
import type { CallSetup, Instructions, ProgressEvent, SimulatedCall } from './calls';
import type { Conferences } from './conferences';
import type { Method } from './twiml';

/** One REST request as it arrived: its path, method and form parameters (repeated names as arrays). */
export interface RestRequest {
  method: string;
  path: string;
  params: Record<string, string | string[]>;
}

/** A fault to answer the next REST request with: an HTTP status with Twilio's error body, or a dropped connection. */
export type RestFault = number | 'drop';

/** What the REST API acts on: the server's account, calls and conferences. */
export interface Telephony {
  readonly accountSid: string;
  readonly authToken: string;
  readonly conferences: Conferences;
  readonly requests: RestRequest[];
  findCall(sid: string): SimulatedCall | undefined;
  placeCall(setup: CallSetup): SimulatedCall;
  nextFault(): RestFault | undefined;
}

const PROGRESS_EVENTS: readonly ProgressEvent[] = ['initiated', 'ringing', 'answered', 'completed'];

class TwilioError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export function restApi(telephony: Telephony): express.Express {
  const app = express();
  app.use(express.urlencoded({ extended: false }));
  app.use(async (req, res) => {
    try {
      await handle(telephony, req, res);
    } catch (error) {
      if (!(error instanceof TwilioError)) throw error;
      sendError(res, error);
    }
  });
  return app;
}

async function handle(telephony: Telephony, req: Request, res: Response): Promise<void> {
  const params = { ...(req.method === 'GET' ? req.query : req.body) } as Record<string, string | string[]>;
  telephony.requests.push({ method: req.method, path: req.path, params });
  const fault = telephony.nextFault();
  if (fault === 'drop') {
    req.socket.destroy();
    return;
  }
  if (fault !== undefined) throw new TwilioError(fault, fault >= 500 ? 20500 : 20400, fault >= 500 ? 'Internal Server Error' : 'Bad Request');
  authenticate(telephony, req);

  const base = `/2010-04-01/Accounts/${telephony.accountSid}`;
  if (!req.path.startsWith(`${base}/`)) throw notFound(req.path);
  const path = req.path.slice(base.length);
  let match: RegExpMatchArray | null;
  if (req.method === 'POST' && path === '/Calls.json') return void res.status(201).json(createCall(telephony, params).resource());
  if ((match = path.match(/^\/Calls\/(CA[0-9a-f]{32})\.json$/))) {
    const call = telephony.findCall(match[1]!);
    if (!call) throw notFound(req.path);
    if (req.method === 'GET') return void res.json(call.resource());
    if (req.method === 'POST') {
      await updateCall(call, params);
      return void res.json(call.resource());
    }
  }
  if (req.method === 'POST' && (match = path.match(/^\/Conferences\/([^/]+)\/Participants\.json$/))) {
    return void res.status(201).json(addParticipant(telephony, decodeURIComponent(match[1]!), params));
  }
  if (req.method === 'POST' && (match = path.match(/^\/Conferences\/(CF[0-9a-f]{32})\/Participants\/(CA[0-9a-f]{32})\.json$/))) {
    return void res.json(updateParticipant(telephony, match[1]!, match[2]!, params));
  }
  if (req.method === 'POST' && (match = path.match(/^\/(Conferences|Calls)\/((?:CF|CA)[0-9a-f]{32})\/Recordings\/([^/]+)\.json$/))) {
    return void res.json(updateRecording(telephony, match[2]!, decodeURIComponent(match[3]!), params));
  }
  throw notFound(req.path);
}

function authenticate(telephony: Telephony, req: Request): void {
  const header = req.get('authorization') ?? '';
  const [scheme, encoded] = header.split(' ');
  const [user, password] = Buffer.from(encoded ?? '', 'base64').toString('utf8').split(/:(.*)/s);
  if (scheme !== 'Basic' || user !== telephony.accountSid || password !== telephony.authToken) {
    throw new TwilioError(401, 20003, 'Authenticate');
  }
}

function createCall(telephony: Telephony, params: Record<string, string | string[]>): SimulatedCall {
  const { to, from } = parties(params);
  const instructions = instructionsOf(params);
  if (!instructions) throw new TwilioError(400, 21205, 'Either Url, Twiml or ApplicationSid is required');
  const events = [params.StatusCallbackEvent ?? []].flat();
  for (const event of events) if (!PROGRESS_EVENTS.includes(event as ProgressEvent)) throw new TwilioError(400, 21626, `Invalid StatusCallbackEvent: ${event}`);
  const statusCallback = single(params.StatusCallback);
  if (statusCallback !== undefined) absoluteUrl(statusCallback, 21609, 'StatusCallback');
  const call = telephony.placeCall({ from, to, direction: 'outbound-api', ...statusCallbacks(params) });
  // Twilio answers the request first, then dials.
  setImmediate(() => call.answer(instructions));
  return call;
}

/** The To and From a new call needs, refused as Twilio refuses them. */
function parties(params: Record<string, string | string[]>): { to: string; from: string } {
  const to = single(params.To);
  const from = single(params.From);
  if (!to) throw new TwilioError(400, 21201, "No 'To' number is specified");
  if (!from) throw new TwilioError(400, 21603, "A 'From' phone number is required.");
  return { to, from };
}

/** Where and how a new call's progress is posted, as its request asked. */
function statusCallbacks(params: Record<string, string | string[]>) {
  const statusCallback = single(params.StatusCallback);
  const events = [params.StatusCallbackEvent ?? []].flat() as ProgressEvent[];
  return {
    ...(statusCallback !== undefined && { statusCallback }),
    statusCallbackMethod: methodOf(params.StatusCallbackMethod),
    ...(events.length > 0 && { statusCallbackEvents: events }),
  };
}

async function updateCall(call: SimulatedCall, params: Record<string, string | string[]>): Promise<void> {
  const status = single(params.Status);
  if (status === 'completed' || status === 'canceled') {
    // Ending a call that already ended changes nothing.
    if (status === 'canceled' && call.status === 'in-progress') return;
    await call.hangUp();
    return;
  }
  if (status !== undefined) throw new TwilioError(400, 21218, `Invalid Status: ${status}`);
  const instructions = instructionsOf(params);
  if (!instructions) throw new TwilioError(400, 21205, 'Either Url, Twiml or Status is required');
  if (!call.isLive) throw new TwilioError(400, 21220, 'Call is not in-progress. Cannot redirect.');
  await call.moveTo(instructions);
}

function addParticipant(telephony: Telephony, conferenceName: string, params: Record<string, string | string[]>): Record<string, unknown> {
  const { to, from } = parties(params);
  const call = telephony.placeCall({ from, to, direction: 'outbound-api', ...statusCallbacks(params) });
  const conference = telephony.conferences.join(conferenceName, call, {
    endConferenceOnExit: single(params.EndConferenceOnExit) === 'true',
    record: single(params.ConferenceRecord) === 'record-from-start' || single(params.ConferenceRecord) === 'true',
  });
  setImmediate(() => call.answerIntoConference(conferenceName));
  return participantResource(telephony, conference.sid, call.sid, { hold: false, muted: false }, 'queued');
}

function updateParticipant(telephony: Telephony, conferenceSid: string, callSid: string, params: Record<string, string | string[]>): Record<string, unknown> {
  const conference = telephony.conferences.find(conferenceSid);
  const participant = conference?.participants.get(callSid);
  if (!conference || !participant) throw notFound(`/Conferences/${conferenceSid}/Participants/${callSid}.json`);
  const hold = single(params.Hold);
  if (hold !== undefined) participant.hold = hold === 'true';
  const muted = single(params.Muted);
  if (muted !== undefined) participant.muted = muted === 'true';
  const announceUrl = single(params.AnnounceUrl);
  // The music of this hold, fetched even when the participant is taken off hold before it plays.
  const holdUrl = participant.hold ? single(params.HoldUrl) : undefined;
  // Twilio plays the announcement, then the hold music, after answering; HoldMethod defaults to GET.
  void (async () => {
    if (announceUrl) await participant.call.playAside(absoluteUrl(announceUrl, 21205, 'AnnounceUrl'), methodOf(params.AnnounceMethod));
    if (holdUrl) await participant.call.playAside(absoluteUrl(holdUrl, 21205, 'HoldUrl'), single(params.HoldMethod) === 'POST' ? 'POST' : 'GET');
  })();
  return participantResource(telephony, conference.sid, callSid, participant, 'connected');
}

function updateRecording(telephony: Telephony, parentSid: string, recordingSid: string, params: Record<string, string | string[]>): Record<string, unknown> {
  const recording =
    recordingSid === 'Twilio.CURRENT' ? telephony.conferences.currentRecording(parentSid) : telephony.conferences.recordings.get(recordingSid);
  if (!recording || recording.parentSid !== parentSid) throw notFound(`Recordings/${recordingSid}.json`);
  const status = single(params.Status);
  if (status !== 'in-progress' && status !== 'paused' && status !== 'stopped') throw new TwilioError(400, 21218, `Invalid Status: ${status ?? ''}`);
  const pauseBehavior = single(params.PauseBehavior);
  if (pauseBehavior !== undefined && pauseBehavior !== 'skip' && pauseBehavior !== 'silence') throw new TwilioError(400, 21218, `Invalid PauseBehavior: ${pauseBehavior}`);
  recording.status = status;
  recording.pauseBehavior = status === 'paused' ? (pauseBehavior ?? 'silence') : null;
  recording.history.push(status);
  return {
    account_sid: telephony.accountSid,
    sid: recording.sid,
    status: recording.status,
    ...(recording.parentSid.startsWith('CF') ? { conference_sid: recording.parentSid } : { call_sid: recording.parentSid }),
    uri: `/2010-04-01/Accounts/${telephony.accountSid}/Recordings/${recording.sid}.json`,
  };
}

function participantResource(telephony: Telephony, conferenceSid: string, callSid: string, state: { hold: boolean; muted: boolean }, status: string): Record<string, unknown> {
  return {
    account_sid: telephony.accountSid,
    call_sid: callSid,
    conference_sid: conferenceSid,
    label: null,
    hold: state.hold,
    muted: state.muted,
    coaching: false,
    status,
    uri: `/2010-04-01/Accounts/${telephony.accountSid}/Conferences/${conferenceSid}/Participants/${callSid}.json`,
  };
}

function instructionsOf(params: Record<string, string | string[]>): Instructions | null {
  const twiml = single(params.Twiml);
  if (twiml !== undefined) return { twiml };
  const url = single(params.Url);
  if (url !== undefined) return { url: absoluteUrl(url, 21205, 'Url'), method: methodOf(params.Method) };
  return null;
}

function absoluteUrl(value: string, code: number, name: string): string {
  if (!/^https?:\/\//.test(value) || !URL.canParse(value)) throw new TwilioError(400, code, `${name} is not a valid URL: ${value}`);
  return value;
}

function methodOf(value: string | string[] | undefined): Method {
  return single(value)?.toUpperCase() === 'GET' ? 'GET' : 'POST';
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.at(-1) : value;
}

function notFound(path: string): TwilioError {
  return new TwilioError(404, 20404, `The requested resource ${path} was not found`);
}

function sendError(res: Response, error: TwilioError): void {
  res.status(error.status).json({ code: error.code, message: error.message, more_info: `https://www.twilio.com/docs/errors/${error.code}`, status: error.status });
}
