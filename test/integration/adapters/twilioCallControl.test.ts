/** The Twilio adapter against the local Twilio-shaped server: real HTTP, Basic auth, Twilio's answers and errors. */
import twilio from 'twilio';
import { CallControlError } from '../../../src/ports/callControl';
import { TwilioCallControl } from '../../../src/adapters/callControl/twilioCallControl';
import { startStubGateway, until, type StubGateway } from '../../support/stubGateway';
import { startTwilioServer, TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, type SimulatedCall, type TwilioServer } from '../../support/twilioServer';

const ACCOUNT_PATH = `/2010-04-01/Accounts/${TEST_ACCOUNT_SID}`;
const FAST_RETRY = { attempts: 3, baseDelayMs: 1 };
const IN_CONFERENCE = '<Response><Dial action="/after-dial"><Conference record="record-from-start">bridge-br_1</Conference></Dial></Response>';

let server: TwilioServer;
let gateway: StubGateway;

beforeEach(async () => {
  server = await startTwilioServer();
  gateway = await startStubGateway(TEST_AUTH_TOKEN);
  gateway.twiml.set('/voice/bridge', IN_CONFERENCE);
  gateway.twiml.set('/after-dial', '<Response/>');
  gateway.twiml.set('/voice/payments/pay_1', '<Response><Say>Please enter your card number</Say><Hangup/></Response>');
  gateway.twiml.set('/status', '<Response/>');
});

afterEach(async () => {
  await server.close();
  await gateway.close();
});

function control(options: Partial<ConstructorParameters<typeof TwilioCallControl>[0]> = {}): TwilioCallControl {
  return new TwilioCallControl({ accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN, apiUrl: server.url, retry: FAST_RETRY, ...options });
}

/** A caller on the bridge number, sitting in its conference. */
async function callerInConference(): Promise<SimulatedCall> {
  const caller = server.incomingCall({ url: `${gateway.url}/voice/bridge`, from: '+15005550006', to: '+15005550001' });
  await caller.waitFor((c) => c.conference !== null, 5000, 'the caller in the conference');
  return caller;
}

const dial = { conference: 'bridge-br_1', to: 'client:agent-7', from: '+15005550001', statusCallback: '' };

describe('TwilioCallControl against a Twilio-shaped server', () => {
  beforeEach(() => {
    dial.statusCallback = `${gateway.url}/status`;
  });

  it('redirects a call leg with Url and Method; the leg leaves its <Dial> (action first) and fetches the new TwiML, signed', async () => {
    const caller = await callerInConference();
    await control().redirect(caller.sid, `${gateway.url}/voice/payments/pay_1`);
    expect(server.requests).toEqual([{ method: 'POST', path: `${ACCOUNT_PATH}/Calls/${caller.sid}.json`, params: { Url: `${gateway.url}/voice/payments/pay_1`, Method: 'POST' } }]);
    await caller.ended;
    expect(caller.heard).toEqual([{ verb: 'say', text: 'Please enter your card number' }]);
    expect(gateway.webhooks.map((w) => w.path)).toEqual(['/voice/bridge', '/after-dial', '/voice/payments/pay_1']);
    expect(gateway.webhooks.every((w) => w.signatureValid)).toBe(true);
    expect(gateway.webhooks.at(-1)!.params).toMatchObject({ CallSid: caller.sid, AccountSid: TEST_ACCOUNT_SID, CallStatus: 'in-progress', From: '+15005550006', Direction: 'inbound' });
  });

  it('pauses the current conference recording with PauseBehavior=skip and resumes it without', async () => {
    await callerInConference();
    const conference = server.conferences.find('bridge-br_1')!;
    await control().setRecording({ conferenceSid: conference.sid }, 'paused');
    await control().setRecording({ conferenceSid: conference.sid }, 'in-progress');
    expect(server.requests).toEqual([
      { method: 'POST', path: `${ACCOUNT_PATH}/Conferences/${conference.sid}/Recordings/Twilio.CURRENT.json`, params: { Status: 'paused', PauseBehavior: 'skip' } },
      { method: 'POST', path: `${ACCOUNT_PATH}/Conferences/${conference.sid}/Recordings/Twilio.CURRENT.json`, params: { Status: 'in-progress' } },
    ]);
    expect(server.conferences.currentRecording(conference.sid)).toMatchObject({ status: 'in-progress', history: ['in-progress', 'paused', 'in-progress'] });
  });

  it('pauses a call recording by its SID when one is known', async () => {
    const caller = await callerInConference();
    const recordingSid = server.startRecording(caller.sid);
    await control().setRecording({ callSid: caller.sid, recordingSid }, 'paused');
    expect(server.requests[0]!.path).toBe(`${ACCOUNT_PATH}/Calls/${caller.sid}/Recordings/${recordingSid}.json`);
    expect(server.conferences.recordings.get(recordingSid)).toMatchObject({ status: 'paused', pauseBehavior: 'skip' });
  });

  it('dials the agent into the conference by its name and answers the new leg and the conference SID', async () => {
    await callerInConference();
    const leg = await control().dialAgent(dial);
    const agent = server.findCall(leg.callSid)!;
    expect(leg).toEqual({ callSid: agent.sid, conferenceSid: server.conferences.find('bridge-br_1')!.sid });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.path).toBe(`${ACCOUNT_PATH}/Conferences/bridge-br_1/Participants.json`);
    expect(server.requests[0]!.params).toMatchObject({ From: '+15005550001', To: 'client:agent-7', StatusCallback: dial.statusCallback, EndConferenceOnExit: 'true' });
    await agent.waitFor((c) => c.events.some((e) => e.kind === 'callback' && e.event === 'answered'), 5000, 'the answered callback');
    expect(gateway.webhooks.filter((w) => w.path === '/status').map((w) => w.params.CallStatus)).toEqual(['initiated', 'in-progress']);
  });

  it('holds the agent participant with hold music and an announcement, then takes it off hold', async () => {
    await callerInConference();
    gateway.twiml.set('/hold-music', '<Response><Play>https://cdn.example/music.mp3</Play></Response>');
    gateway.twiml.set('/announce', '<Response><Say>The customer is entering their card details.</Say></Response>');
    const leg = await control().dialAgent(dial);
    const conferenceSid = leg.conferenceSid!;
    await control().holdParticipant(conferenceSid, leg.callSid, { holdUrl: `${gateway.url}/hold-music`, announceUrl: `${gateway.url}/announce` });
    await control().holdParticipant(conferenceSid, leg.callSid, null);
    expect(server.requests.slice(1)).toEqual([
      {
        method: 'POST',
        path: `${ACCOUNT_PATH}/Conferences/${conferenceSid}/Participants/${leg.callSid}.json`,
        params: { Hold: 'true', HoldUrl: `${gateway.url}/hold-music`, HoldMethod: 'GET', AnnounceUrl: `${gateway.url}/announce`, AnnounceMethod: 'POST' },
      },
      { method: 'POST', path: `${ACCOUNT_PATH}/Conferences/${conferenceSid}/Participants/${leg.callSid}.json`, params: { Hold: 'false' } },
    ]);
    const agent = server.findCall(leg.callSid)!;
    await agent.waitFor((c) => c.heard.length === 2, 5000, 'the announcement and the music');
    expect(agent.heard).toEqual([
      { verb: 'say', text: 'The customer is entering their card details.' },
      { verb: 'play', url: 'https://cdn.example/music.mp3' },
    ]);
    expect(gateway.webhooks.find((w) => w.path === '/hold-music')).toMatchObject({ method: 'GET', signatureValid: true });
  });

  it('places a call with inline TwiML that opens a signed Media Stream carrying its parameters', async () => {
    const twiml = `<Response><Connect><Stream url="${gateway.wsUrl}/relay/agent"><Parameter name="token" value="tok_1"/></Stream></Connect></Response>`;
    const { callSid } = await control().createCall({ to: 'client:agent-7', from: '+15005550001', answer: { twiml }, statusCallback: `${gateway.url}/status` });
    expect(server.requests).toEqual([
      {
        method: 'POST',
        path: `${ACCOUNT_PATH}/Calls.json`,
        params: { To: 'client:agent-7', From: '+15005550001', Twiml: twiml, StatusCallback: `${gateway.url}/status`, StatusCallbackMethod: 'POST', StatusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'] },
      },
    ]);
    await until(() => gateway.sockets.length === 1 && gateway.sockets[0]!.messages.length >= 2, 5000, 'the stream to start');
    const [socket] = gateway.sockets;
    expect(socket!.signatureValid).toBe(true);
    expect(socket!.messages[1]).toMatchObject({ event: 'start', start: { callSid, customParameters: { token: 'tok_1' } } });
    expect(gateway.webhooks.filter((w) => w.path === '/status').map((w) => w.params.CallStatus)).toEqual(['initiated', 'ringing', 'in-progress']);
  });

  it('places a call whose TwiML is fetched from a Url, as an outbound-api call', async () => {
    const { callSid } = await control().createCall({ to: '+15005550009', from: '+15005550001', answer: { url: `${gateway.url}/voice/payments/pay_1` }, statusCallback: `${gateway.url}/status` });
    expect(server.requests[0]!.params).toMatchObject({ Url: `${gateway.url}/voice/payments/pay_1`, Method: 'POST' });
    const call = server.findCall(callSid)!;
    await call.ended;
    expect(call.heard).toEqual([{ verb: 'say', text: 'Please enter your card number' }]);
    expect(gateway.webhooks.find((w) => w.path === '/voice/payments/pay_1')!.params).toMatchObject({ CallSid: callSid, Direction: 'outbound-api', To: '+15005550009' });
  });

  it('ends a call with Status=completed: its stream gets stop and the completed callback is posted', async () => {
    const twiml = `<Response><Connect><Stream url="${gateway.wsUrl}/relay/agent"/></Connect><Say>never heard</Say></Response>`;
    const { callSid } = await control().createCall({ to: 'client:agent-7', from: '+15005550001', answer: { twiml }, statusCallback: `${gateway.url}/status` });
    await until(() => gateway.sockets.length === 1, 5000, 'the stream');
    await control().endCall(callSid);
    expect(server.requests.at(-1)).toEqual({ method: 'POST', path: `${ACCOUNT_PATH}/Calls/${callSid}.json`, params: { Status: 'completed' } });
    const call = server.findCall(callSid)!;
    await call.ended;
    expect(call.heard).toEqual([]);
    await until(() => gateway.sockets[0]!.messages.some((m) => m.event === 'stop'), 5000, 'the stop message');
    await until(() => gateway.webhooks.some((w) => w.path === '/status' && w.params.CallStatus === 'completed'), 5000, 'the completed callback');
    // Ending it again changes nothing and is no error.
    await control().endCall(callSid);
  });

  it('retries an idempotent update after a 5xx and a dropped connection, then succeeds', async () => {
    const caller = await callerInConference();
    server.failNext(503, 'drop');
    await control().redirect(caller.sid, `${gateway.url}/voice/payments/pay_1`);
    expect(server.requests).toHaveLength(3);
    expect(new Set(server.requests.map((r) => JSON.stringify(r))).size).toBe(1);
  });

  it('gives up after the bounded number of attempts with a retryable error', async () => {
    const caller = await callerInConference();
    server.failNext(500, 502, 503, 504);
    const recording = server.startRecording(caller.sid);
    await expect(control().setRecording({ callSid: caller.sid, recordingSid: recording }, 'paused')).rejects.toMatchObject({ name: 'CallControlError', retryable: true, status: 503 });
    expect(server.requests).toHaveLength(3);
  });

  it('does not retry a 4xx answer (an unknown call is a 404)', async () => {
    const error = await control().redirect('CA' + '0'.repeat(32), `${gateway.url}/x`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CallControlError);
    expect(error).toMatchObject({ retryable: false, status: 404 });
    expect(server.requests).toHaveLength(1);
  });

  it('is refused with wrong credentials', async () => {
    const error = await control({ authToken: 'not-the-auth-token-0000' }).endCall('CA' + '0'.repeat(32)).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'CallControlError', retryable: false, status: 401 });
  });

  it.each(['dialAgent', 'createCall'] as const)('never repeats %s after a 5xx (a call may already ring)', async (operation) => {
    server.failNext(500);
    const placing =
      operation === 'dialAgent' ? control().dialAgent(dial) : control().createCall({ to: '+15005550009', from: '+15005550001', answer: { twiml: '<Response/>' }, statusCallback: dial.statusCallback });
    await expect(placing).rejects.toBeInstanceOf(CallControlError);
    expect(server.requests).toHaveLength(1);
    expect(server.calls).toHaveLength(0);
  });

  it.each(['dialAgent', 'createCall'] as const)('repeats %s when the request provably never left', async (operation) => {
    let refused = 0;
    /** The library's own client, refusing its first connection as a host that is not yet listening would. */
    class RefusingOnce extends twilio.RequestClient {
      override request: twilio.RequestClient['request'] = (opts) => {
        if (refused++ === 0) return Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
        return super.request(opts);
      };
    }
    const placing = control({ httpClient: new RefusingOnce() });
    const result =
      operation === 'dialAgent' ? await placing.dialAgent(dial) : await placing.createCall({ to: '+15005550009', from: '+15005550001', answer: { twiml: '<Response/>' }, statusCallback: dial.statusCallback });
    expect(server.findCall(result.callSid)).toBeDefined();
    expect(refused).toBe(2);
    expect(server.requests).toHaveLength(1);
  });
});
