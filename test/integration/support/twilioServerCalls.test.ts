/** The Twilio-shaped server following TwiML as Twilio does: Gather, Redirect, Say/Play, Connect/Stream, Hangup. */
import { startStubGateway, until, type StubGateway } from '../../support/stubGateway';
import { startTwilioServer, TEST_AUTH_TOKEN, type HandedStream, type TwilioServer } from '../../support/twilioServer';

let server: TwilioServer;
let gateway: StubGateway;

beforeEach(async () => {
  server = await startTwilioServer({ maxDocumentsPerCall: 20 });
  gateway = await startStubGateway(TEST_AUTH_TOKEN);
});

afterEach(async () => {
  await server.close();
  await gateway.close();
});

describe('calls on the Twilio-shaped server', () => {
  it('gathers the keys a test pressed, posts them to the action, and follows redirects to a hang-up', async () => {
    gateway.twiml.set('/voice/incoming', '<Response><Gather action="/got" numDigits="6" timeout="5"><Say>Enter your pay code</Say></Gather><Say>Goodbye</Say></Response>');
    gateway.twiml.set('/got', '<Response><Play>https://cdn.example/ok.mp3</Play><Redirect method="GET">/next?x=1</Redirect></Response>');
    gateway.twiml.set('/next', '<Response><Gather finishOnKey="#" timeout="0"><Say>Card number</Say></Gather></Response>');
    gateway.twiml.set('/status', '<Response/>');
    const call = server.incomingCall({ url: `${gateway.url}/voice/incoming`, from: '+15005550006', to: '+15005550001', statusCallback: `${gateway.url}/status` });
    call.press('123456' + '4242#');
    await call.ended;
    expect(call.heard).toEqual([
      { verb: 'say', text: 'Enter your pay code' },
      { verb: 'play', url: 'https://cdn.example/ok.mp3' },
      { verb: 'say', text: 'Card number' },
      // The Gather posted back to its own URL, which asked again; no keys were left, so the call ran out of TwiML.
      { verb: 'say', text: 'Card number' },
    ]);
    const [first, got, next, again, status] = gateway.webhooks;
    expect(got).toMatchObject({ path: '/got', method: 'POST', params: { Digits: '123456', FinishedOnKey: '' } });
    expect(next).toMatchObject({ path: '/next', method: 'GET', params: { x: '1', CallSid: call.sid } });
    // A Gather without action posts back to its own document's URL (with the query it was fetched with).
    expect(again).toMatchObject({ path: '/next', method: 'POST', params: { Digits: '4242', FinishedOnKey: '#' } });
    expect(first!.params).toMatchObject({ CallStatus: 'in-progress', Direction: 'inbound', From: '+15005550006', To: '+15005550001' });
    expect(status).toMatchObject({ path: '/status', params: { CallStatus: 'completed' } });
    expect(gateway.webhooks.every((w) => w.signatureValid)).toBe(true);
  });

  it('falls through a Gather that heard nothing, unless actionOnEmptyResult', async () => {
    gateway.twiml.set('/voice/incoming', '<Response><Gather timeout="0"><Say>Anything?</Say></Gather><Say>Nothing then</Say><Gather timeout="0" actionOnEmptyResult="true" action="/empty"/></Response>');
    gateway.twiml.set('/empty', '<Response><Hangup/></Response>');
    const call = server.incomingCall({ url: `${gateway.url}/voice/incoming`, from: '+15005550006', to: '+15005550001' });
    await call.ended;
    expect(call.heard.map((h) => (h.verb === 'say' ? h.text : h.url))).toEqual(['Anything?', 'Nothing then']);
    expect(gateway.webhooks.at(-1)).toMatchObject({ path: '/empty', params: { Digits: '' } });
  });

  it('runs the TwiML after <Connect> once the gateway closes the stream, and ends the call when the party hangs up on one', async () => {
    gateway.twiml.set('/voice/relay', `<Response><Connect><Stream url="${gateway.wsUrl}/relay/caller"><Parameter name="token" value="tok_9"/></Stream></Connect><Say>Back from the stream</Say><Redirect>/voice/relay-again</Redirect></Response>`);
    gateway.twiml.set('/voice/relay-again', `<Response><Connect><Stream url="${gateway.wsUrl}/relay/caller"/></Connect><Say>never heard</Say></Response>`);
    const call = server.incomingCall({ url: `${gateway.url}/voice/relay`, from: '+15005550006', to: '+15005550001' });
    const first = await call.waitForStream(5000);
    await until(() => gateway.sockets.length === 1, 5000, 'the first socket');
    gateway.sockets[0]!.socket.close(1000, 'capture over');
    const second = await call.waitForStream(5000, 1);
    expect((await first.closed).code).toBe(1000);
    expect(call.heard).toEqual([{ verb: 'say', text: 'Back from the stream' }]);
    await second.hangUp();
    await call.ended;
    expect(call.heard).toEqual([{ verb: 'say', text: 'Back from the stream' }]);
    await until(() => gateway.sockets[1]?.messages.at(-1)?.event === 'stop', 5000, 'the stop message');
    expect(gateway.sockets.map((s) => s.signatureValid)).toEqual([true, true]);
  });

  it('hands a stream to its streamOpener instead of playing it, ends it when the call hangs up, and runs on when it closes', async () => {
    const handed: Array<{ url: string; parameters: Record<string, string>; hungUp: boolean; close(code: number): void }> = [];
    const opener = await startTwilioServer({
      streamOpener: async (_call, options) => {
        let close!: (code: number) => void;
        const closed = new Promise<{ code: number; reason: string }>((resolve) => (close = (code) => resolve({ code, reason: '' })));
        const entry = { url: options.url, parameters: options.customParameters ?? {}, hungUp: false, close };
        handed.push(entry);
        const stream: HandedStream = { streamSid: `MZ${handed.length}`, closed, stoppedByTwilio: false, hangUp: async () => ((entry.hungUp = true), close(1000)) };
        return stream;
      },
    });
    try {
      gateway.twiml.set('/voice/relay', `<Response><Connect><Stream url="${gateway.wsUrl}/relay/caller"><Parameter name="token" value="tok_9"/></Stream></Connect><Say>Back from the stream</Say><Redirect>/voice/relay-again</Redirect></Response>`);
      gateway.twiml.set('/voice/relay-again', `<Response><Connect><Stream url="${gateway.wsUrl}/relay/caller"/></Connect></Response>`);
      const call = opener.incomingCall({ url: `${gateway.url}/voice/relay`, from: '+15005550006', to: '+15005550001' });
      await call.waitFor(() => handed.length === 1, 5000, 'the stream handed over');
      expect(handed[0]).toMatchObject({ url: `${gateway.wsUrl}/relay/caller`, parameters: { token: 'tok_9' } });
      expect(gateway.sockets).toHaveLength(0); // nothing dialled by the call itself
      expect(call.stream).toBeNull();
      handed[0]!.close(1000); // the gateway closed it: the TwiML after <Connect> runs
      await call.waitFor(() => handed.length === 2, 5000, 'the second stream');
      expect(call.heard).toEqual([{ verb: 'say', text: 'Back from the stream' }]);
      await call.hangUp();
      expect(handed[1]!.hungUp).toBe(true);
      expect(call.events.filter((event) => event.kind === 'stream-opened')).toHaveLength(2);
    } finally {
      await opener.close();
    }
  });

  it('ends a call whose TwiML cannot be fetched, and one that redirects in a loop', async () => {
    const missing = server.incomingCall({ url: `${gateway.url}/nowhere`, from: '+15005550006', to: '+15005550001' });
    await missing.ended;
    expect(missing.events).toContainEqual({ kind: 'error', message: expect.stringContaining('HTTP 404') });
    gateway.twiml.set('/loop', '<Response><Redirect>/loop</Redirect></Response>');
    const looping = server.incomingCall({ url: `${gateway.url}/loop`, from: '+15005550006', to: '+15005550001' });
    await looping.ended;
    expect(looping.events).toContainEqual({ kind: 'error', message: expect.stringContaining('redirect loop') });
    expect(gateway.webhooks.filter((w) => w.path === '/loop')).toHaveLength(20);
  });
});
