/**
 * The relay load of `npm run bench`: N relayed calls at once on one gateway process, both legs
 * streaming 20 ms frames in real time, beside a bare WebSocket relay (bareMediaRelay.ts) in the same run.
 *
 * The gateway runs compiled as a child process in relay mode (BRIDGE_MEDIA=relay) on Redis, its Twilio
 * REST API pointed at the local Twilio-shaped server (test/support/twilioServer) in this process. Each
 * call is set up as Twilio would: the caller rings /voice/bridge, the gateway places the agent's call
 * through the REST API, and both legs open their streams with a signed handshake and their single-use
 * tokens. The streams are opened and played by the load generator's worker threads (relayLegWorkers.ts):
 * the Twilio-shaped server hands each one's URL, signature and parameters to the worker that owns the
 * call, so the legs' timers and arrival times do not share an event loop with that server or this
 * bookkeeping. Each worker paces its calls from one timer (relayLegs.ts).
 *
 * Per round and server: the server's CPU (from /proc) over the round divided by the call-seconds
 * relayed; the added delay of each caller frame (sent → arrived at the agent leg, minus the relay's
 * look-ahead); frames late (added delay over --relay-late-ms) or lost. Medians over rounds.
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { startTwilioServer, TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, type SimulatedCall, type StreamOpener, type TwilioServer } from '../test/support/twilioServer';
import { connectableUrl } from '../test/support/twilioServer/mediaStream';
import { handshakeSignature } from '../test/support/twilioServer/webhooks';
import { freePort, startChild, stop, waitForHealth } from './childProcesses';
import { processCpuMicros } from './processCpu';
import { RelayLegWorkers, type RelayCall, type WorkerLeg } from './relayLegWorkers';
import type { RelayRoundResult } from './relayRoundResult';

export interface RelayBenchOptions {
  calls: number;
  seconds: number;
  rounds: number;
  lateMs: number;
  redisUrl: string;
  keyPrefix: string;
  /** `node --cpu-prof` directory for every server (gateways and bare relay), if any. */
  cpuProfileDir?: string;
  /** Phase groups the calls' frames are spread over within each 20 ms (1: all at once). */
  phases: number;
  /** Worker threads the load generator's legs are dealt out over (call i to worker i mod N). */
  workers: number;
  /**
   * Another checkout of the gateway (its `dist/` built) run as a third server in the same rounds, e.g.
   * the commit before a change: same machine, same minutes, so the two builds' figures compare.
   */
  otherGatewayDir?: string;
}

/** The gateway's caller → agent look-ahead (toneMasker.ts: four frames): subtracted from its frames' delay. */
const GATEWAY_LOOK_AHEAD_MS = 80;
const INSTANCE_ID = 'bench';
const AGENT = 'client:agent-bench';
const SETUP_DEADLINE_MS = 30_000;
const IDLE_SAMPLE_MS = 5000;

interface RelayTarget {
  name: string;
  pid: number;
  lookAheadMs: number;
  calls: RelayCall[];
}

export async function runRelayBench(options: RelayBenchOptions): Promise<void> {
  const gatewayPort = await freePort();
  const barePort = await freePort();
  const otherPort = await freePort();
  const workers = await RelayLegWorkers.start(options.workers);
  const handOff = new StreamHandOff(workers);
  const twilio = await startTwilioServer({ streamOpener: handOff.open });
  const profile = options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : [];
  const gatewayEnv = (port: number, instance: string) => ({
    PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    TWILIO_AUTH_TOKEN: TEST_AUTH_TOKEN,
    TWILIO_ACCOUNT_SID: TEST_ACCOUNT_SID,
    TWILIO_API_URL: twilio.url,
    CALL_CONTROL: 'twilio',
    BRIDGE_MEDIA: 'relay',
    RELAY_INSTANCE_ID: instance,
    // Each gateway dials its own agent, so each one's agent calls are told apart.
    AGENT_DIAL: `${AGENT}-${instance}`,
    API_KEY: randomBytes(24).toString('hex'),
    VAULT_KEY: randomBytes(32).toString('base64'),
    REDIS_URL: options.redisUrl,
    REDIS_KEY_PREFIX: `${options.keyPrefix}${instance}:`,
    LOG_LEVEL: 'warn',
  });
  const gateway = startChild('dist/src/main.js', gatewayEnv(gatewayPort, INSTANCE_ID), profile);
  const other = options.otherGatewayDir
    ? startChild('dist/src/main.js', gatewayEnv(otherPort, `${INSTANCE_ID}-other`), profile, options.otherGatewayDir)
    : null;
  const bare = startChild('bench/bareMediaRelay.ts', { PORT: String(barePort) }, profile);
  const targets: RelayTarget[] = [];
  try {
    await waitForHealth(`http://127.0.0.1:${gatewayPort}/healthz`);
    if (other) await waitForHealth(`http://127.0.0.1:${otherPort}/healthz`);
    await waitForHealth(`http://127.0.0.1:${barePort}/healthz`);
    console.log(`\nrelay: ${options.calls} calls at once, both legs streaming 20 ms frames in real time (spread over ${options.phases} phase(s) per 20 ms), ${options.seconds} s per round, ${options.rounds} rounds; legs driven by ${workers.count} worker thread(s)`);
    const setupStarted = performance.now();
    targets.push({ name: 'gateway', pid: gateway.pid!, lookAheadMs: GATEWAY_LOOK_AHEAD_MS, calls: await gatewayCalls(twilio, handOff, `http://127.0.0.1:${gatewayPort}`, `${AGENT}-${INSTANCE_ID}`, options.calls) });
    if (other) {
      console.log(`other gateway: ${options.otherGatewayDir}`);
      targets.push({ name: 'other gateway', pid: other.pid!, lookAheadMs: GATEWAY_LOOK_AHEAD_MS, calls: await gatewayCalls(twilio, handOff, `http://127.0.0.1:${otherPort}`, `${AGENT}-${INSTANCE_ID}-other`, options.calls) });
    }
    targets.push({ name: 'bare ws relay', pid: bare.pid!, lookAheadMs: 0, calls: await bareCalls(workers, `ws://127.0.0.1:${barePort}/stream`, options.calls) });
    console.log(`calls set up on every server in ${((performance.now() - setupStarted) / 1000).toFixed(1)} s`);
    const round = (target: RelayTarget, seconds: number) =>
      workers.runRound(target.calls, { seconds, lookAheadMs: target.lookAheadMs, lateMs: options.lateMs, phases: options.phases });
    // Warm-up: JIT and socket buffers, not counted.
    for (const target of targets) await round(target, 2);

    // What each server burns with its calls open and silent (timers, GC, Redis): part of every round's figure,
    // so fewer calls cost more per call-second.
    for (const target of targets) {
      const before = processCpuMicros(target.pid);
      await new Promise((resolve) => setTimeout(resolve, IDLE_SAMPLE_MS));
      console.log(`${target.name} idle with its calls open: ${((processCpuMicros(target.pid) - before) / IDLE_SAMPLE_MS).toFixed(2)} ms CPU per second`);
    }
    const results: Record<string, RelayRoundResult[]> = Object.fromEntries(targets.map((t) => [t.name, []]));
    for (let index = 0; index < options.rounds; index += 1) {
      // Alternate the order so drift on a shared machine falls on every side alike.
      const order = index % 2 === 0 ? targets : [...targets].reverse();
      for (const target of order) {
        const load = loadavg()[0]!;
        const cpuBefore = processCpuMicros(target.pid);
        const result = await round(target, options.seconds);
        result.cpuMsPerCallSecond = (processCpuMicros(target.pid) - cpuBefore) / 1000 / result.callSeconds;
        results[target.name]!.push(result);
        console.log(`round ${index + 1} ${target.name.padEnd(13)} ${fmt(result)}   load average ${load.toFixed(2)}`);
      }
    }
    const medians = targets.map((t) => ({ name: t.name, result: medianOf(results[t.name]!) }));
    for (const { name, result } of medians) console.log(`median ${name.padEnd(13)} ${fmt(result)}`);
    const g = medians[0]!.result;
    const b = medians[medians.length - 1]!.result;
    console.log(`capacity per core (1000 ms / CPU per call-second): ${medians.map(({ name, result }) => `${name} ${(1000 / result.cpuMsPerCallSecond).toFixed(0)} calls`).join(', ')}`);
    console.log(`ratio gateway/bare (capacity): ${(b.cpuMsPerCallSecond / g.cpuMsPerCallSecond).toFixed(2)}`);
    if (other) {
      // Round by round, both builds measured minutes apart under the same load: the ratio is steadier than either figure.
      const ratios = results.gateway!.map((r, index) => results['other gateway']![index]!.cpuMsPerCallSecond / r.cpuMsPerCallSecond);
      console.log(`CPU per call-second, other gateway / gateway, by round: ${ratios.map((r) => r.toFixed(2)).join(', ')} (median ${median(ratios).toFixed(2)})`);
    }
    console.log(`load average (1, 5, 15 min) at the end: ${loadavg().map((l) => l.toFixed(2)).join(', ')}`);
  } finally {
    // The Twilio-shaped server hangs its calls up (their legs get `stop`), then the bare relay's legs are.
    await twilio.close();
    await workers.close();
    await Promise.all([stop(gateway), stop(bare), ...(other ? [stop(other)] : [])]);
  }
}

/**
 * Hands each stream the gateway's TwiML asks for to the worker that owns the call being set up, in the
 * call's place: the caller's stream (the inbound call) and the agent's (the call the gateway placed).
 */
class StreamHandOff {
  /** The call being set up (one at a time) and its legs so far. */
  settingUp: { call: number; caller?: WorkerLeg; agent?: WorkerLeg } | null = null;

  constructor(private readonly workers: RelayLegWorkers) {}

  readonly open: StreamOpener = async (call, stream) => {
    const setting = this.settingUp;
    if (!setting) throw new Error(`call ${call.sid} opened a stream while no call was being set up`);
    const leg = await this.workers.openLeg(setting.call, {
      url: connectableUrl(stream.url),
      signature: handshakeSignature(stream.authToken, stream.url),
      accountSid: stream.accountSid,
      callSid: stream.callSid,
      parameters: stream.customParameters ?? {},
    });
    setting[call.setup.direction === 'inbound' ? 'caller' : 'agent'] = leg;
    return leg;
  };
}

/**
 * Rings the gateway's bridge number `count` times, one call after the other (so each agent call is
 * known to belong to the caller just rung), and waits until both legs stream from their worker.
 */
async function gatewayCalls(twilio: TwilioServer, handOff: StreamHandOff, base: string, agent: string, count: number): Promise<RelayCall[]> {
  const calls: RelayCall[] = [];
  const taken = new Set<SimulatedCall>();
  const streaming = (call: SimulatedCall, what: string) => call.waitFor((c) => c.events.some((event) => event.kind === 'stream-opened'), SETUP_DEADLINE_MS, what);
  for (let index = 0; index < count; index += 1) {
    const setting: { call: number; caller?: WorkerLeg; agent?: WorkerLeg } = { call: index };
    handOff.settingUp = setting;
    const caller = twilio.incomingCall({ url: `${base}/voice/bridge`, from: '+15005550006', to: '+15005550001' });
    await streaming(caller, "the caller's stream");
    const agentCall = await twilio.waitForCall((call) => call.setup.to === agent && !taken.has(call), SETUP_DEADLINE_MS, 'the agent leg');
    taken.add(agentCall);
    await streaming(agentCall, "the agent's stream");
    calls.push({ call: index, caller: setting.caller!, agent: setting.agent! });
  }
  handOff.settingUp = null;
  return calls;
}

/** Opens both legs of `count` calls on the bare relay from the workers, named by the `call` and `leg` parameters. */
async function bareCalls(workers: RelayLegWorkers, url: string, count: number): Promise<RelayCall[]> {
  const calls: RelayCall[] = [];
  for (let index = 0; index < count; index += 1) {
    const legOptions = (leg: string) => ({ url, signature: handshakeSignature(TEST_AUTH_TOKEN, url), accountSid: TEST_ACCOUNT_SID, parameters: { call: String(index), leg } });
    const caller = await workers.openLeg(index, legOptions('caller'));
    const agent = await workers.openLeg(index, legOptions('agent'));
    calls.push({ call: index, caller, agent });
  }
  return calls;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function medianOf(rounds: RelayRoundResult[]): RelayRoundResult {
  const pick = (key: keyof RelayRoundResult) => median(rounds.map((r) => r[key]));
  return {
    cpuMsPerCallSecond: pick('cpuMsPerCallSecond'),
    callSeconds: pick('callSeconds'),
    framesSent: pick('framesSent'),
    p50: pick('p50'),
    p99: pick('p99'),
    max: pick('max'),
    late: pick('late'),
    lost: pick('lost'),
    replaced: pick('replaced'),
    generatorLagMs: pick('generatorLagMs'),
    generatorLateSlots: pick('generatorLateSlots'),
    generatorLoopDelayP99Ms: pick('generatorLoopDelayP99Ms'),
    generatorLoopDelayMaxMs: pick('generatorLoopDelayMaxMs'),
    generatorCpuMsPerCallSecond: pick('generatorCpuMsPerCallSecond'),
  };
}

function fmt(r: RelayRoundResult): string {
  return [
    `CPU ${r.cpuMsPerCallSecond.toFixed(2).padStart(5)} ms/call-s`,
    `added delay p50 ${r.p50.toFixed(1).padStart(5)} ms p99 ${r.p99.toFixed(1).padStart(5)} ms max ${r.max.toFixed(0).padStart(4)} ms`,
    `frames ${r.framesSent} late ${r.late} lost ${r.lost} replaced ${r.replaced}`,
    `generator lag max ${r.generatorLagMs.toFixed(0)} ms (${r.generatorLateSlots} ticks started > late limit behind), loop delay p99 ${r.generatorLoopDelayP99Ms.toFixed(1)} ms max ${r.generatorLoopDelayMaxMs.toFixed(0)} ms, CPU ${r.generatorCpuMsPerCallSecond.toFixed(2)} ms/call-s`,
  ].join('   ');
}
