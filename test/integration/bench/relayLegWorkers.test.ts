import { startChild, stop, waitForHealth } from '../../../bench/childProcesses';
import { RelayLegWorkers, type RelayCall } from '../../../bench/relayLegWorkers';
import { startStubGateway, until, type StubGateway } from '../../support/stubGateway';
import { startTwilioServer, TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, type TwilioServer } from '../../support/twilioServer';
import { connectableUrl, handshakeSignature } from '../../support/twilioServer/mediaStream';

/** The relay benchmark's load generator on worker threads: legs opened, played and measured in the workers. */
describe("the relay benchmark's leg workers", () => {
  let workers: RelayLegWorkers;

  beforeAll(async () => {
    workers = await RelayLegWorkers.start(2);
  }, 60_000);

  afterAll(async () => {
    await workers.close();
  });

  describe('against the bare relay', () => {
    const port = 47000 + Math.floor(Math.random() * 1000);
    const url = `ws://127.0.0.1:${port}/stream`;
    const bare = startChild('bench/bareMediaRelay.ts', { PORT: String(port) });
    const calls: RelayCall[] = [];

    afterAll(async () => {
      await stop(bare);
    });

    it('deals the calls out over the workers, paces them in real time and finds every caller frame at its own agent leg', async () => {
      await waitForHealth(`http://127.0.0.1:${port}/healthz`);
      for (let call = 0; call < 3; call += 1) {
        const open = (leg: string) => workers.openLeg(call, { url, signature: 'unchecked', accountSid: 'AC0', parameters: { call: String(call), leg } });
        calls.push({ call, caller: await open('caller'), agent: await open('agent') });
      }
      expect(calls.map((call) => [call.caller.worker, call.agent.worker])).toEqual([[0, 0], [1, 1], [0, 0]]);
      const started = performance.now();
      // A generous late limit: this checks the counting across workers, not the machine's timing.
      const result = await workers.runRound(calls, { seconds: 1, lookAheadMs: 0, lateMs: 10_000, phases: 3 });
      expect(performance.now() - started).toBeGreaterThanOrEqual(980); // 50 frames at 20 ms, not sent at once
      expect(result).toMatchObject({ framesSent: 150, lost: 0, replaced: 0, late: 0, generatorLateSlots: 0 });
      expect(result.p50).toBeGreaterThanOrEqual(0);
      expect(result.max).toBeLessThan(10_000);
      expect(result.generatorCpuMsPerCallSecond).toBeGreaterThan(0);
    }, 60_000);

    it('counts frames that never reach the agent leg as lost, in the worker that owns the call', async () => {
      const gone = calls[calls.length - 1]!;
      await gone.agent.hangUp();
      const result = await workers.runRound(calls, { seconds: 0.2, lookAheadMs: 0, lateMs: 10_000, phases: 1 });
      expect(result.lost).toBe(10);
    }, 60_000);
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
