import { RelayLegWorkers } from '../../../bench/relayLegWorkers';
import { startStubGateway, until, type StubGateway } from '../../support/stubGateway';
import { startTwilioServer, TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, type TwilioServer } from '../../support/twilioServer';
import { connectableUrl, handshakeSignature } from '../../support/twilioServer/mediaStream';

/** The relay benchmark's workers open the gateway's streams in the Twilio-shaped server's place (the driver itself: relayLegs.test.ts). */
describe("the relay benchmark's leg workers", () => {
  let workers: RelayLegWorkers;

  beforeAll(async () => {
    workers = await RelayLegWorkers.start(2);
  }, 60_000);

  afterAll(async () => {
    await workers.close();
  });

  describe("handed a Twilio-shaped call's stream", () => {
    let twilio: TwilioServer;
    let gateway: StubGateway;

    beforeAll(async () => {
      gateway = await startStubGateway(TEST_AUTH_TOKEN);
      twilio = await startTwilioServer({
        // What the relay benchmark hands its workers: the URL to dial, the signature over the URL as written, the parameters.
        streamOpener: (call, stream) =>
          workers.openLeg(1, { url: connectableUrl(stream.url), signature: handshakeSignature(stream.authToken, stream.url), accountSid: stream.accountSid, callSid: call.sid, parameters: stream.customParameters ?? {} }),
      });
    });

    afterAll(async () => {
      await twilio.close();
      await gateway.close();
    });

    it('opens it from the worker with a valid signature and the token, and sends `stop` when the call hangs up', async () => {
      gateway.twiml.set('/voice/relay', `<Response><Connect><Stream url="${gateway.wsUrl}/relay/caller"><Parameter name="token" value="tok_9"/></Stream></Connect></Response>`);
      const call = twilio.incomingCall({ url: `${gateway.url}/voice/relay`, from: '+15005550006', to: '+15005550001' });
      await call.waitFor((c) => c.events.some((event) => event.kind === 'stream-opened'), 10_000, 'the stream');
      await until(() => gateway.sockets[0]?.messages.length === 2, 5000, '`connected` and `start`');
      const socket = gateway.sockets[0]!;
      expect(socket.signatureValid).toBe(true);
      expect(socket.messages[1]).toMatchObject({ event: 'start', start: { callSid: call.sid, accountSid: TEST_ACCOUNT_SID, customParameters: { token: 'tok_9' } } });
      expect(call.stream).toBeNull(); // played by the worker, not by the call
      await call.hangUp();
      await call.ended;
      await until(() => socket.messages.at(-1)?.event === 'stop', 5000, 'the stop message');
      expect(call.events).toContainEqual(expect.objectContaining({ kind: 'stream-closed', code: 1000 }));
    }, 60_000);
  });
});
