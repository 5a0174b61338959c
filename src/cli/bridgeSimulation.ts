import { randomBytes } from 'node:crypto';
import twilio from 'twilio';
import { FakeCallControl } from '../adapters/callControl/fakeCallControl';
import { startGateway, type RunningGateway } from '../app/server';
import { simulateCall } from './callSimulator';
import type { KeySource } from './keySources';

export interface BridgeSimulationOptions {
  out: (line: string) => void;
  /** The caller's keys, typed at the terminal or scripted. */
  keys: KeySource;
  env?: NodeJS.ProcessEnv;
  /** Port of the in-process gateway (the panel's address); 0 picks a free one. */
  port: number;
  logStream?: NodeJS.WritableStream;
  /** Called once the agent has joined: a test plays the agent from here. */
  onBridge?: (gateway: RunningGateway, bridgeId: string) => void;
  /** Resolves when the simulation should stop (a test's end); default: when the caller hangs up. */
  until?: Promise<void>;
}

/** Polls of a caller on hold are spaced like Twilio's `<Pause>`, so the terminal is not flooded. */
const HOLD_POLL_MS = 1000;

/**
 * Both legs of an agent-assisted call, locally: the caller's leg is played here (keys from the terminal)
 * and the agent works in the panel. The fake call control stands in for Twilio's REST API: a redirect
 * it is asked for makes this caller fetch the new URL, as Twilio would.
 */
export async function runBridgeSimulation(options: BridgeSimulationOptions): Promise<number> {
  const { out } = options;
  const control = new FakeCallControl();
  const env: NodeJS.ProcessEnv = { ...(options.env ?? process.env) };
  delete env.PUBLIC_BASE_URL;
  env.AGENT_DIAL ??= 'client:agent';
  env.RECORD_BRIDGE ??= 'true';
  const gateway = await startGateway({ env, port: options.port, host: '127.0.0.1', callControl: control, ...(options.logStream ? { logStream: options.logStream } : {}) });
  const baseUrl = gateway.config.http.publicBaseUrl;
  const authToken = gateway.config.twilio.authToken;
  const callSid = `CA${randomBytes(16).toString('hex')}`;
  const agentName = `simulator-${randomBytes(3).toString('hex')}`;
  try {
    out(`agent panel: ${baseUrl}/panel`);
    // An agent of this run only, removed at the end: the API key does not open the panel.
    const { account, key } = await gateway.agents.add(agentName, 'agent', new Date());
    out(`sign in as ${account.name} with the key ${key}`);

    // Each redirect starts a new leg segment; requests of an older segment are dropped, as Twilio drops the old TwiML.
    let generation = 0;
    let next: string | null = `${baseUrl}/voice/bridge`;
    let wake: (() => void) | null = null;
    control.onRedirect = (sid, url) => {
      if (sid !== callSid) return;
      generation += 1;
      next = url;
      out('(the agent moved the call; press Enter if a prompt is waiting)');
      wake?.();
    };
    let hungUp = false;
    const stop = options.until ?? new Promise<void>(() => {});
    let stopped = false;
    void stop.then(() => {
      stopped = true;
      wake?.();
    });

    while (!stopped && !hungUp) {
      if (next === null) {
        await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
        continue;
      }
      const url: string = next;
      next = null;
      const mine = generation;
      let inConference = false;
      const legFetch: typeof fetch = async (input, init) => {
        const target = String(input);
        if (generation !== mine || stopped) throw new Error('moved by the agent');
        // The caller is still on the line: only a real hang-up may tell the gateway the call ended.
        if (target.endsWith('/voice/status')) return new Response(null, { status: 204 });
        if (target.includes('poll=1')) {
          await new Promise((resolve) => setTimeout(resolve, HOLD_POLL_MS));
          // The agent may move the call while the caller holds: Twilio then drops the pending redirect.
          if (generation !== mine || stopped) throw new Error('moved by the agent');
        }
        const res = await fetch(target, init);
        const body = await res.text();
        inConference = body.includes('<Conference');
        return new Response(body, { status: res.status, headers: res.headers });
      };
      const call = await simulateCall({
        startUrl: url,
        baseUrl,
        authToken,
        keys: options.keys,
        callSid,
        fetchImpl: legFetch,
        maxTurns: 10_000,
        out: (line) => {
          if (inConference && line === '(gateway hung up)') out('(the caller is talking with the agent)');
          else if (!line.startsWith('(skipped <Dial>') && !line.startsWith('error: status callback') && !line.includes('moved by the agent')) out(line);
        },
      });
      if (call.ended === 'caller-hung-up') hungUp = true;
      if (call.ended === 'hangup' && !inConference) hungUp = true;
      if (!inConference && !hungUp && generation === mine && call.ended === 'error') hungUp = true;
      if (inConference && next === null) {
        const bridge = await gateway.bridges.findByCall(callSid);
        if (bridge && options.onBridge && mine === 0) options.onBridge(gateway, bridge.id);
      }
    }
    if (hungUp) {
      const params = { CallSid: callSid, CallStatus: 'completed', AccountSid: `AC${'0'.repeat(32)}` };
      const statusUrl = `${baseUrl}/voice/bridge/status?leg=caller`;
      await fetch(statusUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...(authToken ? { 'x-twilio-signature': twilio.getExpectedTwilioSignature(authToken, statusUrl, params) } : {}) },
        body: new URLSearchParams(params).toString(),
      });
      out('(the caller hung up)');
    }
    return 0;
  } finally {
    await gateway.agents.remove(agentName).catch(() => undefined);
    await gateway.bridges.settled();
    await gateway.close();
  }
}
