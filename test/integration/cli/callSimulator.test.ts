import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import twilio from 'twilio';
import { simulateCall, type SimulateCallOptions } from '../../../src/cli/callSimulator';
import { scriptedKeys } from '../../../src/cli/keySources';

const AUTH_TOKEN = 'test-auth-token-0123456789abcdef';
const CARD = '4242424242424242';

interface Received {
  path: string;
  params: Record<string, string>;
  signature: string | undefined;
}

const GATHER_DEFAULTS = {
  input: ['dtmf' as const],
  method: 'POST' as const,
  finishOnKey: '#',
  timeout: 5,
  actionOnEmptyResult: true,
};

/** A stand-in gateway: a short pay-code → card → menu call, plus routes for the ways a call can go wrong. */
function fakeGateway(received: Received[], base: () => string): express.Express {
  const app = express();
  app.use(express.urlencoded({ extended: false }));
  app.use((req, res, next) => {
    const params = { ...(req.body as Record<string, string>) };
    const signature = req.header('X-Twilio-Signature');
    received.push({ path: req.originalUrl, params, signature });
    const url = `${base()}${req.originalUrl}`;
    if (signature === undefined || !twilio.validateRequest(AUTH_TOKEN, signature, url, params)) {
      res.status(403).type('text/plain').send('Forbidden: missing or invalid Twilio signature');
      return;
    }
    next();
  });
  const twiml = (res: express.Response, response: InstanceType<typeof twilio.twiml.VoiceResponse>) => {
    res.type('text/xml').send(response.toString());
  };

  app.post('/voice/incoming', (_req, res) => {
    const response = new twilio.twiml.VoiceResponse();
    response.say('Welcome.');
    const gather = response.gather({ ...GATHER_DEFAULTS, action: `${base()}/voice/paycode` });
    gather.say('Enter your pay code, then press pound.');
    twiml(res, response);
  });
  app.post('/voice/paycode', (req, res) => {
    const response = new twilio.twiml.VoiceResponse();
    if ((req.body as Record<string, string>).Digits === '') {
      response.say('We did not receive a pay code.');
      // Relative on purpose: Twilio resolves it against the document's URL.
      response.redirect({ method: 'POST' }, '/voice/incoming?retry=1');
    } else {
      const gather = response.gather({ ...GATHER_DEFAULTS, action: `${base()}/voice/card?step=card&try=1` });
      gather.say('Enter your card number.');
    }
    twiml(res, response);
  });
  app.post('/voice/card', (_req, res) => {
    const response = new twilio.twiml.VoiceResponse();
    response.pause({ length: 1 });
    response.gather({ ...GATHER_DEFAULTS, numDigits: 1, action: `${base()}/voice/menu` }).say('To pay, press 1.');
    twiml(res, response);
  });
  app.post('/voice/menu', (_req, res) => {
    const response = new twilio.twiml.VoiceResponse();
    response.say('Thank you. Goodbye.');
    response.hangup();
    response.say('Never heard: the call is over.');
    twiml(res, response);
  });
  app.post('/voice/short', (_req, res) => {
    const response = new twilio.twiml.VoiceResponse();
    response.gather({ ...GATHER_DEFAULTS, numDigits: 4, action: `${base()}/voice/menu` }).say('Enter 4 digits.');
    twiml(res, response);
  });
  app.post('/voice/details', (_req, res) => {
    const response = new twilio.twiml.VoiceResponse();
    response.gather({ ...GATHER_DEFAULTS, action: `${base()}/voice/details` }).say('Enter the next detail.');
    twiml(res, response);
  });
  app.post('/voice/optional', (_req, res) => {
    const response = new twilio.twiml.VoiceResponse();
    const gather = response.gather({ ...GATHER_DEFAULTS, actionOnEmptyResult: false, action: `${base()}/voice/menu` });
    gather.say('Press a key.');
    response.say('You did not press anything.');
    twiml(res, response);
  });
  app.post('/voice/say-only', (_req, res) => {
    const response = new twilio.twiml.VoiceResponse();
    response.say('We are closed.');
    twiml(res, response);
  });
  app.post('/voice/loop', (_req, res) => {
    const response = new twilio.twiml.VoiceResponse();
    response.say('Please hold.');
    response.redirect({ method: 'POST' }, `${base()}/voice/loop`);
    twiml(res, response);
  });
  app.post('/voice/broken', (_req, res) => {
    res.status(500).type('text/plain').send('Internal Server Error');
  });
  app.post('/voice/status', (_req, res) => {
    res.status(204).end();
  });
  return app;
}

describe('simulateCall', () => {
  let server: Server;
  let baseUrl: string;
  let received: Received[];

  beforeAll(async () => {
    server = fakeGateway((received = []), () => baseUrl).listen(0, '127.0.0.1');
    await once(server, 'listening');
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.close();
    await once(server, 'close');
  });

  beforeEach(() => {
    received.length = 0;
  });

  async function call(path: string, tokens: string[], overrides: Partial<SimulateCallOptions> = {}) {
    const lines: string[] = [];
    const result = await simulateCall({
      startUrl: `${baseUrl}${path}`,
      baseUrl,
      authToken: AUTH_TOKEN,
      keys: scriptedKeys(tokens),
      out: (line) => lines.push(line),
      ...overrides,
    });
    return { result, lines, output: lines.join('\n') };
  }

  const paths = () => received.map((r) => r.path);
  const statusCallbacks = () => received.filter((r) => r.path === '/voice/status');

  it('follows Gather actions and Redirects, posting what the caller typed', async () => {
    const { result } = await call('/voice/incoming', ['-', '123456#', `${CARD}#`, '1']);

    expect(result).toEqual({
      ended: 'hangup',
      turns: 6,
      said: [
        'Welcome.',
        'Enter your pay code, then press pound.',
        'We did not receive a pay code.',
        'Welcome.',
        'Enter your pay code, then press pound.',
        'Enter your card number.',
        'To pay, press 1.',
        'Thank you. Goodbye.',
      ],
    });
    expect(paths()).toEqual([
      '/voice/incoming',
      '/voice/paycode',
      '/voice/incoming?retry=1',
      '/voice/paycode',
      '/voice/card?step=card&try=1',
      '/voice/menu',
      '/voice/status',
    ]);
    const gathered = received
      .filter((r) => r.params.Digits !== undefined)
      .map((r) => [r.params.Digits, r.params.FinishedOnKey]);
    expect(gathered).toEqual([
      ['', ''],
      ['123456', '#'],
      [CARD, '#'],
      ['1', ''],
    ]);
  });

  it("sends Twilio's call parameters with one CallSid, and Digits only after a Gather", async () => {
    await call('/voice/incoming', ['-', 'HANGUP']);

    const [first, second, third] = received;
    expect(first?.params).toEqual({
      CallSid: expect.stringMatching(/^CA[0-9a-f]{32}$/),
      AccountSid: expect.stringMatching(/^AC[0-9a-f]{32}$/),
      From: expect.any(String),
      To: expect.any(String),
      CallStatus: 'in-progress',
      Direction: 'inbound',
      ApiVersion: '2010-04-01',
    });
    expect(third?.path).toBe('/voice/incoming?retry=1');
    expect(third?.params.Digits).toBeUndefined();
    expect(new Set(received.map((r) => r.params.CallSid)).size).toBe(1);
    expect(second?.params).toMatchObject({ Digits: '', FinishedOnKey: '' });
  });

  it('uses the call identity it is given', async () => {
    const callSid = `CA${'1'.repeat(32)}`;
    await call('/voice/say-only', [], { callSid, from: '+15551230000', to: '+15559870000' });
    expect(received.map((r) => r.params)).toEqual([
      expect.objectContaining({ CallSid: callSid, From: '+15551230000', To: '+15559870000' }),
      expect.objectContaining({ CallSid: callSid, From: '+15551230000', To: '+15559870000' }),
    ]);
  });

  it('sends the completed status callback when the caller hangs up', async () => {
    const { result, output } = await call('/voice/incoming', ['HANGUP']);

    expect(result).toMatchObject({ ended: 'caller-hung-up', turns: 1 });
    expect(paths()).toEqual(['/voice/incoming', '/voice/status']);
    expect(statusCallbacks()[0]?.params).toMatchObject({
      CallStatus: 'completed',
      CallDuration: expect.stringMatching(/^\d+$/),
      CallSid: received[0]?.params.CallSid,
    });
    expect(output).toContain('(caller hung up)');
  });

  it('hangs up when the keys run out', async () => {
    const { result } = await call('/voice/incoming', ['123456#']);
    expect(result).toMatchObject({ ended: 'caller-hung-up', turns: 2 });
    expect(statusCallbacks()).toHaveLength(1);
  });

  it('ends the call at the end of a document without Gather or Redirect, and reports it', async () => {
    const { result } = await call('/voice/say-only', []);
    expect(result).toEqual({ ended: 'hangup', turns: 1, said: ['We are closed.'] });
    expect(paths()).toEqual(['/voice/say-only', '/voice/status']);
    expect(statusCallbacks()[0]?.params.CallStatus).toBe('completed');
  });

  it('ignores whatever follows <Hangup/>', async () => {
    const { result } = await call('/voice/menu', []);
    expect(result.said).toEqual(['Thank you. Goodbye.']);
  });

  it('falls through to the next verbs after a silent Gather that does not post empty results', async () => {
    const { result } = await call('/voice/optional', ['-']);
    expect(result).toMatchObject({ ended: 'hangup', turns: 1, said: ['Press a key.', 'You did not press anything.'] });
  });

  it('sends only numDigits keys of a longer entry and warns', async () => {
    const { result, output } = await call('/voice/short', ['1234567890#']);
    expect(result.ended).toBe('hangup');
    expect(received[1]?.params).toMatchObject({ Digits: '1234', FinishedOnKey: '' });
    expect(output).toMatch(/warning: this Gather takes 4 key/);
  });

  it('stops a call that never ends at maxTurns, still hanging up properly', async () => {
    const { result, output } = await call('/voice/loop', [], { maxTurns: 5 });

    expect(result).toMatchObject({ ended: 'error', turns: 5, error: expect.stringMatching(/5 turns/) });
    expect(paths().filter((p) => p === '/voice/loop')).toHaveLength(5);
    expect(statusCallbacks()).toHaveLength(1);
    expect(output).toMatch(/^error: .*5 turns/m);
  });

  it('signs every request so that Twilio validation accepts it, query string included', async () => {
    await call('/voice/incoming', ['123456#', `${CARD}#`, '1']);
    expect(received).toHaveLength(5);
    for (const request of received) {
      expect(
        twilio.validateRequest(AUTH_TOKEN, request.signature ?? '', `${baseUrl}${request.path}`, request.params),
      ).toBe(true);
    }
  });

  it('reports a 403 as an error and ends the call', async () => {
    const { result, output } = await call('/voice/incoming', ['123456#'], { authToken: 'not-the-gateway-token' });

    expect(result).toMatchObject({ ended: 'error', turns: 1, said: [] });
    expect(result.error).toMatch(/403 Forbidden/);
    expect(result.error).toContain(`${baseUrl}/voice/incoming`);
    expect(output).toMatch(/^error: gateway answered 403 Forbidden .*invalid Twilio signature/m);
    expect(paths()).toEqual(['/voice/incoming', '/voice/status']);
  });

  it('sends no signature without an auth token', async () => {
    const { result } = await call('/voice/incoming', [], { authToken: null });
    expect(result.ended).toBe('error');
    expect(received.map((r) => r.signature)).toEqual([undefined, undefined]);
  });

  it('reports a 500 as an error', async () => {
    const { result, output } = await call('/voice/broken', []);
    expect(result).toMatchObject({ ended: 'error', turns: 1 });
    expect(result.error).toMatch(/500 Internal Server Error/);
    expect(output).toContain('Internal Server Error');
  });

  it('reports a gateway that cannot be reached', async () => {
    const lines: string[] = [];
    const result = await simulateCall({
      startUrl: 'http://127.0.0.1:1/voice/incoming',
      baseUrl: 'http://127.0.0.1:1',
      authToken: AUTH_TOKEN,
      keys: scriptedKeys([]),
      out: (line) => lines.push(line),
    });
    expect(result).toMatchObject({ ended: 'error', turns: 1, error: expect.stringMatching(/could not reach/) });
  });

  it('prints the conversation with the caller masked, and never the card number it typed', async () => {
    const { lines, output } = await call('/voice/incoming', ['-', '123456#', `${CARD}#`, '1']);

    expect(lines).toEqual([
      'gateway: Welcome.',
      'gateway: Enter your pay code, then press pound.',
      'caller: (silence)',
      'gateway: We did not receive a pay code.',
      'gateway: Welcome.',
      'gateway: Enter your pay code, then press pound.',
      'caller: 123456#',
      'gateway: Enter your card number.',
      'caller: ••••••••••••4242#',
      '(pause 1s)',
      'gateway: To pay, press 1.',
      'caller: 1',
      'gateway: Thank you. Goodbye.',
      '(gateway hung up)',
    ]);
    expect(output).not.toContain(CARD);
    expect(output).not.toMatch(/\d{7,}/);
  });

  it('shows short entries such as an expiry or security code only as bullets', async () => {
    const { lines } = await call('/voice/details', ['1230', '123#', '12345']);
    const caller = lines.filter((line) => line.startsWith('caller: '));
    expect(caller).toEqual(['caller: ••••', 'caller: •••#', 'caller: •••••']);
  });

  it('masks a 6-digit entry once a card number has been typed', async () => {
    const { lines } = await call('/voice/details', ['123456#', `${CARD}#`, '123456']);
    expect(lines.filter((line) => line.startsWith('caller: '))).toEqual([
      'caller: 123456#',
      'caller: ••••••••••••4242#',
      'caller: ••••••',
    ]);
  });

  it('shows in clear only the pay code it was told, when told one', async () => {
    const { lines } = await call('/voice/incoming', ['654321#', '-'], { payCode: '123456' });
    expect(lines).toContain('caller: ••••••#');
  });

  it("prints the agent's view after every turn", async () => {
    let turn = 0;
    const agentView = async () => {
      turn += 1;
      return turn === 1 ? null : `capturing · Visa •••• 4242 · turn ${turn}`;
    };
    const { result, lines } = await call('/voice/incoming', ['123456#', `${CARD}#`, '1'], { agentView });

    expect(turn).toBe(result.turns);
    expect(lines.filter((line) => line.startsWith('agent view: '))).toEqual([
      'agent view: capturing · Visa •••• 4242 · turn 2',
      'agent view: capturing · Visa •••• 4242 · turn 3',
      'agent view: capturing · Visa •••• 4242 · turn 4',
    ]);
  });

  it('keeps going when the agent view fails', async () => {
    const agentView = async (): Promise<string> => {
      throw new Error('API down');
    };
    const { result, lines } = await call('/voice/say-only', [], { agentView });
    expect(result.ended).toBe('hangup');
    expect(lines).toContain('agent view: (unavailable: API down)');
  });

  it('uses the fetch it is given', async () => {
    const fetchImpl = jest.fn(fetch);
    await call('/voice/say-only', [], { fetchImpl });
    expect(fetchImpl.mock.calls.map(([url]) => String(url))).toEqual([
      `${baseUrl}/voice/say-only`,
      `${baseUrl}/voice/status`,
    ]);
  });
});
