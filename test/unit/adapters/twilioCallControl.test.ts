import Response from 'twilio/lib/http/response';
import { CallControlError } from '../../../src/ports/callControl';
import { TwilioCallControl } from '../../../src/adapters/callControl/twilioCallControl';

const ACCOUNT = 'AC0123456789abcdef0123456789abcdef';
const CALL = 'CAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const AGENT = 'CAbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
const CONF = 'CFcccccccccccccccccccccccccccccccc';
const BASE = `https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT}`;

interface Recorded {
  method: string;
  uri: string;
  data: Record<string, unknown>;
}

/** Plays Twilio's REST API: records each request and answers from a queue of statuses, then 200s. */
function fakeTwilio(statuses: Array<number | 'ECONNREFUSED' | 'ECONNRESET'> = []) {
  const requests: Recorded[] = [];
  const queue = [...statuses];
  const httpClient = {
    async request(opts: { method: string; uri: string; data?: Record<string, unknown> }) {
      requests.push({ method: opts.method.toUpperCase(), uri: opts.uri, data: { ...(opts.data ?? {}) } });
      const next = queue.shift() ?? 200;
      if (typeof next === 'string') throw Object.assign(new Error(next), { code: next });
      if (next >= 400) return new Response(next, JSON.stringify({ code: 20500, message: 'Internal Server Error', more_info: 'https://www.twilio.com/docs/errors/20500', status: next }), {});
      if (opts.uri.includes('/Participants')) {
        return new Response(next === 200 && opts.uri.endsWith('Participants.json') ? 201 : 200, JSON.stringify({ account_sid: ACCOUNT, call_sid: AGENT, conference_sid: CONF, hold: opts.data?.Hold === 'true', status: 'queued', label: null, muted: false }), {});
      }
      if (opts.uri.includes('/Recordings/')) {
        return new Response(200, JSON.stringify({ account_sid: ACCOUNT, sid: 'REdddddddddddddddddddddddddddddddd', status: opts.data?.Status }), {});
      }
      return new Response(200, JSON.stringify({ sid: CALL, account_sid: ACCOUNT, status: 'in-progress' }), {});
    },
  };
  const control = new TwilioCallControl({ accountSid: ACCOUNT, authToken: 'secret-token-0123456789', httpClient: httpClient as never, retry: { attempts: 3, baseDelayMs: 1 } });
  return { control, requests };
}

describe('TwilioCallControl', () => {
  it('redirects a call leg with a POST to the Calls resource carrying Url and Method', async () => {
    const { control, requests } = fakeTwilio();
    await control.redirect(CALL, 'https://gw.example/voice/payments/pay_1');
    expect(requests).toEqual([{ method: 'POST', uri: `${BASE}/Calls/${CALL}.json`, data: { Url: 'https://gw.example/voice/payments/pay_1', Method: 'POST' } }]);
  });

  it('pauses the current conference recording with PauseBehavior=skip and resumes it without', async () => {
    const { control, requests } = fakeTwilio();
    await control.setRecording({ conferenceSid: CONF }, 'paused');
    await control.setRecording({ conferenceSid: CONF }, 'in-progress');
    expect(requests).toEqual([
      { method: 'POST', uri: `${BASE}/Conferences/${CONF}/Recordings/Twilio.CURRENT.json`, data: { Status: 'paused', PauseBehavior: 'skip' } },
      { method: 'POST', uri: `${BASE}/Conferences/${CONF}/Recordings/Twilio.CURRENT.json`, data: { Status: 'in-progress' } },
    ]);
  });

  it('pauses a call recording by its SID when one is known', async () => {
    const { control, requests } = fakeTwilio();
    await control.setRecording({ callSid: CALL, recordingSid: 'RE11111111111111111111111111111111' }, 'paused');
    expect(requests[0]!.uri).toBe(`${BASE}/Calls/${CALL}/Recordings/RE11111111111111111111111111111111.json`);
  });

  it('holds the agent participant with hold music and an announcement, then takes it off hold', async () => {
    const { control, requests } = fakeTwilio();
    await control.holdParticipant(CONF, AGENT, { holdUrl: 'https://gw.example/voice/bridge/hold-music', announceUrl: 'https://gw.example/voice/bridge/announce' });
    await control.holdParticipant(CONF, AGENT, null);
    expect(requests).toEqual([
      {
        method: 'POST',
        uri: `${BASE}/Conferences/${CONF}/Participants/${AGENT}.json`,
        data: { Hold: 'true', HoldUrl: 'https://gw.example/voice/bridge/hold-music', HoldMethod: 'GET', AnnounceUrl: 'https://gw.example/voice/bridge/announce', AnnounceMethod: 'POST' },
      },
      { method: 'POST', uri: `${BASE}/Conferences/${CONF}/Participants/${AGENT}.json`, data: { Hold: 'false' } },
    ]);
  });

  it('dials the agent into the conference by its name and answers the new leg and the conference SID', async () => {
    const { control, requests } = fakeTwilio();
    const leg = await control.dialAgent({ conference: 'bridge-br_1', to: 'client:agent-7', from: '+15005550001', statusCallback: 'https://gw.example/voice/bridge/agent-status?bridge=br_1' });
    expect(leg).toEqual({ callSid: AGENT, conferenceSid: CONF });
    expect(requests).toHaveLength(1);
    expect(requests[0]!.uri).toBe(`${BASE}/Conferences/bridge-br_1/Participants.json`);
    expect(requests[0]!.data).toMatchObject({ From: '+15005550001', To: 'client:agent-7', StatusCallback: 'https://gw.example/voice/bridge/agent-status?bridge=br_1', EndConferenceOnExit: 'true' });
  });

  it('retries an idempotent update after 5xx and network errors, then succeeds', async () => {
    const { control, requests } = fakeTwilio([503, 'ECONNRESET']);
    await control.redirect(CALL, 'https://gw.example/x');
    expect(requests).toHaveLength(3);
    expect(new Set(requests.map((r) => JSON.stringify(r))).size).toBe(1);
  });

  it('gives up after the bounded number of attempts with a retryable error', async () => {
    const { control, requests } = fakeTwilio([500, 502, 503, 504]);
    await expect(control.setRecording({ conferenceSid: CONF }, 'paused')).rejects.toMatchObject({ name: 'CallControlError', retryable: true, status: 503 });
    expect(requests).toHaveLength(3);
  });

  it('does not retry a 4xx answer', async () => {
    const { control, requests } = fakeTwilio([404]);
    const error = await control.redirect(CALL, 'https://gw.example/x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CallControlError);
    expect((error as CallControlError).retryable).toBe(false);
    expect(requests).toHaveLength(1);
  });

  it('never repeats the agent dial after a 5xx (a call may already ring) but does when the request never left', async () => {
    const failed = fakeTwilio([500]);
    await expect(failed.control.dialAgent({ conference: 'c', to: '+15005550009', from: '+15005550001', statusCallback: 'https://gw.example/s' })).rejects.toBeInstanceOf(CallControlError);
    expect(failed.requests).toHaveLength(1);
    const refused = fakeTwilio(['ECONNREFUSED']);
    await expect(refused.control.dialAgent({ conference: 'c', to: '+15005550009', from: '+15005550001', statusCallback: 'https://gw.example/s' })).resolves.toMatchObject({ callSid: AGENT });
    expect(refused.requests).toHaveLength(2);
  });
});
