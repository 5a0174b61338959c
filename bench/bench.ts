/**
 * Webhook-turn benchmark. Runs whole simulated calls (signed webhooks from the pay code to the result)
 * at a fixed concurrency against the gateway on Redis, and the same requests against a bare Express
 * endpoint that answers a fixed TwiML document, in the same run. Both servers are child processes, so
 * the load generator does not share their event loop. Prints medians over several rounds.
 *
 * Two loads, each against both servers:
 *  - throughput: every simulated caller sends its next webhook as soon as the last is answered, so
 *    the servers run flat out and turns per second compare their cost;
 *  - paced: the same number of concurrent calls, each caller "typing" for --think-ms between turns,
 *    as real calls do; latency percentiles here show what a caller waits at that many live calls.
 * Then 1,000 calls are left open mid-capture to measure what live calls cost in memory.
 *
 * A third load, relay (relayBench.ts), runs concurrent relayed calls through the gateway in relay mode
 * in real time, beside a bare WebSocket relay: CPU per call-second and the added delay per frame.
 *
 * Beside turns per second, each round reports the server process's CPU per webhook turn: its user +
 * system time over the round (from /proc, see processCpu.ts) divided by the turns it answered. On a
 * shared machine turns per second mostly measure the load generator; CPU per turn is the server's
 * own cost. It includes the call's payment creation (one API request per six turns) on both sides.
 *
 *   npm run bench -- [--calls 600] [--concurrency 200] [--rounds 3] [--warmup-calls 50] [--think-ms 1000]
 *                    [--loads throughput,paced,relay] [--live-calls 1000 (0: skip)] [--cpu-prof DIR]
 *                    [--relay-calls 100] [--relay-seconds 20] [--relay-late-ms 20] [--relay-phases 20]
 *                    [--relay-other-gateway DIR] [--relay-workers 2] [--other-gateway DIR]
 *
 * --cpu-prof DIR runs the gateway under `node --cpu-prof` and leaves its profile in DIR when it stops
 * (for the relay load, every server: the bare relay's profile too, named by its process id).
 * --relay-phases N spreads the calls' frames over N instants within each 20 ms (1: all at once).
 * --relay-other-gateway DIR runs a second gateway from another checkout (its dist/ built, e.g. the
 * commit before a change) in the same relay rounds, and prints the two builds' CPU ratio by round.
 * --relay-workers N drives the relay's legs from N worker threads (call i on worker i mod N), so the
 * load generator's timers and arrival times do not wait behind the Twilio-shaped server on the main thread.
 * --other-gateway DIR is --relay-other-gateway for the webhook loads: a second gateway from DIR (its dist/ built),
 * with its own key prefix on the same Redis, takes its turn in every round beside the two servers.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import Redis from 'ioredis';
import twilio from 'twilio';
import { freePort, startChild, stop, waitForHealth } from './childProcesses';
import { processCpuMicros } from './processCpu';
import { redisCpuMicros } from './redisCpu';
import { runRelayBench } from './relayBench';

const { values: args } = parseArgs({
  options: {
    calls: { type: 'string', default: '600' },
    concurrency: { type: 'string', default: '200' },
    rounds: { type: 'string', default: '3' },
    'warmup-calls': { type: 'string', default: '50' },
    'think-ms': { type: 'string', default: '1000' },
    'live-calls': { type: 'string', default: '1000' },
    loads: { type: 'string', default: 'throughput,paced,relay' },
    'relay-calls': { type: 'string', default: '100' },
    'relay-seconds': { type: 'string', default: '20' },
    'relay-late-ms': { type: 'string', default: '20' },
    'relay-phases': { type: 'string', default: '20' },
    'relay-other-gateway': { type: 'string' },
    'relay-workers': { type: 'string', default: '2' },
    'other-gateway': { type: 'string' },
    'cpu-prof': { type: 'string' },
    redis: { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
  },
});
const CALLS = Number(args.calls);
const CONCURRENCY = Number(args.concurrency);
const ROUNDS = Number(args.rounds);
/** Calls played on each server, unmeasured, before the rounds: the JIT has to settle on both alike. */
const WARMUP_CALLS = Number(args['warmup-calls']);
const THINK_MS = Number(args['think-ms']);
const LIVE_CALLS = Number(args['live-calls']);
const LOADS = new Set(args.loads.split(','));
const AUTH_TOKEN = 'bench-auth-token-0123456789abcdef';
const API_KEY = 'bench-api-key-0123456789abcdef-xyz';
const PREFIX = `bench:${randomBytes(4).toString('hex')}:`;

interface Target {
  name: string;
  base: string;
  pid: number;
}

async function main(): Promise<void> {
  try {
    if (LOADS.has('throughput') || LOADS.has('paced')) await runWebhookBench();
    if (LOADS.has('relay')) {
      await runRelayBench({
        calls: Number(args['relay-calls']),
        seconds: Number(args['relay-seconds']),
        rounds: ROUNDS,
        lateMs: Number(args['relay-late-ms']),
        phases: Number(args['relay-phases']),
        workers: Number(args['relay-workers']),
        ...(args['relay-other-gateway'] !== undefined && { otherGatewayDir: args['relay-other-gateway'] }),
        redisUrl: args.redis,
        keyPrefix: PREFIX,
        ...(args['cpu-prof'] !== undefined && { cpuProfileDir: args['cpu-prof'] }),
      });
    }
  } finally {
    await cleanRedis(args.redis);
  }
}

async function runWebhookBench(): Promise<void> {
  const gatewayPort = await freePort();
  const barePort = await freePort();
  // The gateway runs compiled, as in production (`npm run bench` builds first).
  const profile = args['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${args['cpu-prof']}`] : [];
  const gatewayEnv = (port: number, prefix: string) => ({
    PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    TWILIO_AUTH_TOKEN: AUTH_TOKEN,
    API_KEY,
    VAULT_KEY: randomBytes(32).toString('base64'),
    REDIS_URL: args.redis,
    REDIS_KEY_PREFIX: prefix,
    LOG_LEVEL: 'warn',
  });
  const gateway = startChild('dist/src/main.js', gatewayEnv(gatewayPort, PREFIX), profile);
  const bare = startChild('bench/bareTwimlServer.ts', { PORT: String(barePort), TWILIO_AUTH_TOKEN: AUTH_TOKEN });
  const otherPort = args['other-gateway'] !== undefined ? await freePort() : 0;
  // Its own prefix under this run's, so that the clean-up at the end removes its keys too.
  const other = args['other-gateway'] !== undefined ? startChild('dist/src/main.js', gatewayEnv(otherPort, `${PREFIX}other:`), [], args['other-gateway']) : null;
  try {
    await waitForHealth(`http://127.0.0.1:${gatewayPort}/healthz`);
    await waitForHealth(`http://127.0.0.1:${barePort}/healthz`);
    if (other) await waitForHealth(`http://127.0.0.1:${otherPort}/healthz`);
    redisProbe = new Redis(args.redis);
    const gw: Target = { name: 'gateway', base: `http://127.0.0.1:${gatewayPort}`, pid: gateway.pid! };
    const baseline: Target = { name: 'bare express', base: `http://127.0.0.1:${barePort}`, pid: bare.pid! };
    const otherGw: Target | null = other ? { name: 'other gateway', base: `http://127.0.0.1:${otherPort}`, pid: other.pid! } : null;
    if (other) console.log(`other gateway: ${args['other-gateway']}`);

    console.log(`calls per round: ${CALLS}, concurrency: ${CONCURRENCY}, rounds: ${ROUNDS}, 6 webhook turns per call`);
    // Warm-up, unmeasured, the same on both: JIT, Redis scripts, connections. The gateway runs far more
    // code per turn than the bare endpoint, so it needs more calls before V8 has optimised it.
    console.log(`warm-up: ${WARMUP_CALLS} calls on each server`);
    await runRound(gw, WARMUP_CALLS, Math.min(20, CONCURRENCY), 0);
    await runRound(baseline, WARMUP_CALLS, Math.min(20, CONCURRENCY), 0);
    if (otherGw) await runRound(otherGw, WARMUP_CALLS, Math.min(20, CONCURRENCY), 0);
    const loads = [
      ['throughput', 'throughput (no think time)', 0],
      ['paced', `paced (${THINK_MS} ms think time between turns)`, THINK_MS],
    ] as const;
    for (const [, mode, think] of loads.filter(([load]) => LOADS.has(load))) {
      console.log(`\n${mode}`);
      const results: Record<string, RoundResult[]> = { gateway: [], 'bare express': [], 'other gateway': [] };
      for (let r = 0; r < ROUNDS; r += 1) {
        // Alternate the order so drift on a shared machine falls on both sides alike.
        const servers = otherGw ? [gw, otherGw, baseline] : [gw, baseline];
        const order = r % 2 === 0 ? servers : [...servers].reverse();
        for (const target of order) {
          const result = await runRound(target, CALLS, CONCURRENCY, think);
          results[target.name]!.push(result);
          console.log(`round ${r + 1} ${target.name.padEnd(12)} ${fmt(result)}`);
        }
      }
      const g = medianOf(results.gateway!);
      const b = medianOf(results['bare express']!);
      console.log(`median gateway      ${fmt(g)}`);
      console.log(`median bare express ${fmt(b)}`);
      console.log(`ratio gateway/bare (turns per second): ${(g.turnsPerSecond / b.turnsPerSecond).toFixed(2)}`);
      console.log(`ratio gateway/bare (CPU per turn): ${(g.cpuMicrosPerTurn / b.cpuMicrosPerTurn).toFixed(2)}`);
      // Each round's two servers ran minutes apart at most: their ratio is less moved by the machine's
      // load of the moment than the ratio of medians taken from different rounds.
      const sameRound = results.gateway!.map((mine, i) => mine.cpuMicrosPerTurn / results['bare express']![i]!.cpuMicrosPerTurn);
      console.log(`ratio gateway/bare (CPU per turn) by round: ${sameRound.map((r) => r.toFixed(2)).join(', ')}; median ${median(sameRound).toFixed(2)}`);
      if (otherGw) {
        const o = medianOf(results['other gateway']!);
        console.log(`median other gateway ${fmt(o)}`);
        console.log(`ratio other gateway/bare (CPU per turn): ${(o.cpuMicrosPerTurn / b.cpuMicrosPerTurn).toFixed(2)}`);
        // Round by round, so that the load of the moment falls on both builds alike.
        const byRound = results.gateway!.map((mine, i) => (results['other gateway']![i]!.cpuMicrosPerTurn / mine.cpuMicrosPerTurn).toFixed(2));
        console.log(`CPU per turn, other gateway / gateway, by round: ${byRound.join(', ')}`);
      }
    }
    console.log(`\nstored call session: ${await sessionSize(args.redis)} bytes (JSON in one Redis hash field)`);
    if (LIVE_CALLS > 0) await measureLiveCalls(gw, gateway.pid!, args.redis);
  } finally {
    redisProbe?.disconnect();
    redisProbe = null;
    // Waited for: the gateway writes its profile as it exits, and must not write to Redis after the clean-up.
    await Promise.all([stop(gateway), stop(bare), ...(other ? [stop(other)] : [])]);
  }
}

interface RoundResult {
  turnsPerSecond: number;
  /** The server process's user + system CPU over the round, divided by the webhook turns it answered. */
  cpuMicrosPerTurn: number;
  /** The Redis server's CPU over the round, per turn: what every gateway process's turns cost the one store they share. */
  redisCpuMicrosPerTurn: number;
  p50: number;
  p99: number;
  errors: number;
}

/** Asks the Redis server for its CPU time around each round (the bare server's rounds read about 0). */
let redisProbe: Redis | null = null;

async function runRound(target: Target, calls: number, concurrency: number, thinkMs: number): Promise<RoundResult> {
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const redisBefore = redisProbe ? await redisCpuMicros(redisProbe) : NaN;
  const started = performance.now();
  const cpuBefore = processCpuMicros(target.pid);
  const worker = async () => {
    while (next < calls) {
      next += 1;
      try {
        await oneCall(target, latencies, thinkMs);
      } catch {
        errors += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  const cpuMicros = processCpuMicros(target.pid) - cpuBefore;
  const redisMicros = redisProbe ? (await redisCpuMicros(redisProbe)) - redisBefore : NaN;
  latencies.sort((a, b) => a - b);
  return {
    turnsPerSecond: latencies.length / seconds,
    cpuMicrosPerTurn: cpuMicros / latencies.length,
    redisCpuMicrosPerTurn: redisMicros / latencies.length,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    errors,
  };
}

/** One whole call: the payment is created through the API (not timed), then six timed webhook turns. */
async function oneCall(target: Target, latencies: number[], thinkMs: number, stopAfterTurns = Infinity): Promise<void> {
  const payment = (await (
    await fetch(`${target.base}/api/payments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ amount: '12.34', currency: 'USD' }),
    })
  ).json()) as { payCode: string };
  const callSid = `CA${randomBytes(16).toString('hex')}`;
  let url = `${target.base}/voice/incoming`;
  const keys: Array<[string, string]> = [
    [payment.payCode, '#'],
    ['4242424242424242', '#'],
    ['1230', ''],
    ['123', ''],
    ['1', ''],
  ];
  let twiml = await webhook(url, { CallSid: callSid }, latencies);
  let turns = 1;
  for (const [digits, finish] of keys) {
    if (turns >= stopAfterTurns) return;
    turns += 1;
    // Jittered so paced callers do not all press keys in the same millisecond.
    if (thinkMs > 0) await sleep(thinkMs * (0.5 + Math.random()));
    url = gatherAction(twiml) ?? `${target.base}/voice/capture?turn=1`;
    twiml = await webhook(url, { CallSid: callSid, Digits: digits, FinishedOnKey: finish }, latencies);
  }
  if (!twiml.includes('<Say')) throw new Error('unexpected answer');
}

async function webhook(url: string, extra: Record<string, string>, latencies: number[]): Promise<string> {
  const params = { AccountSid: 'AC00000000000000000000000000000000', CallStatus: 'in-progress', Direction: 'inbound', ApiVersion: '2010-04-01', From: '+15005550006', To: '+15005550001', ...extra };
  const signature = twilio.getExpectedTwilioSignature(AUTH_TOKEN, url, params);
  const t0 = performance.now();
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
    body: new URLSearchParams(params).toString(),
  });
  const text = await res.text();
  latencies.push(performance.now() - t0);
  if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
  return text;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Opens calls and leaves them waiting at the expiry prompt, then reads what they cost: the gateway
 * process's resident memory (state lives in Redis, so this should barely move) and Redis's own.
 */
async function measureLiveCalls(target: Target, pid: number, redisUrl: string): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    const rssBefore = rssKiB(pid);
    const redisBefore = await usedMemory(redis);
    let next = 0;
    const ignored: number[] = [];
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        while (next < LIVE_CALLS) {
          next += 1;
          await oneCall(target, ignored, 0, 3);
        }
      }),
    );
    const rssAfter = rssKiB(pid);
    const redisAfter = await usedMemory(redis);
    const per1000 = (kib: number) => ((kib * 1000) / LIVE_CALLS / 1024).toFixed(2);
    console.log(`live calls held open mid-capture: ${LIVE_CALLS}`);
    console.log(`gateway process RSS: ${(rssBefore / 1024).toFixed(1)} MiB -> ${(rssAfter / 1024).toFixed(1)} MiB (${per1000(rssAfter - rssBefore)} MiB per 1,000 live calls)`);
    console.log(`Redis used_memory: +${per1000((redisAfter - redisBefore) / 1024)} MiB per 1,000 live calls (sessions, payments, encrypted card fields)`);
  } finally {
    redis.disconnect();
  }
}

function rssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
}

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? NaN);
}

function gatherAction(twiml: string): string | null {
  const m = /<Gather[^>]*\saction="([^"]+)"/.exec(twiml);
  return m ? m[1]!.replace(/&amp;/g, '&') : null;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function medianOf(rounds: RoundResult[]): RoundResult {
  return {
    turnsPerSecond: median(rounds.map((r) => r.turnsPerSecond)),
    cpuMicrosPerTurn: median(rounds.map((r) => r.cpuMicrosPerTurn)),
    redisCpuMicrosPerTurn: median(rounds.map((r) => r.redisCpuMicrosPerTurn)),
    p50: median(rounds.map((r) => r.p50)),
    p99: median(rounds.map((r) => r.p99)),
    errors: rounds.reduce((sum, r) => sum + r.errors, 0),
  };
}

function fmt(r: RoundResult): string {
  return `${r.turnsPerSecond.toFixed(0).padStart(6)} turns/s   CPU ${r.cpuMicrosPerTurn.toFixed(0).padStart(5)} µs/turn   Redis ${r.redisCpuMicrosPerTurn.toFixed(0).padStart(4)} µs/turn   p50 ${r.p50.toFixed(2).padStart(7)} ms   p99 ${r.p99.toFixed(2).padStart(7)} ms   errors ${r.errors}`;
}

async function sessionSize(redisUrl: string): Promise<number> {
  const redis = new Redis(redisUrl);
  try {
    const [key] = await redis.keys(`${PREFIX}call:*`);
    return key ? ((await redis.hget(key, 'd')) ?? '').length : NaN;
  } finally {
    redis.disconnect();
  }
}

async function cleanRedis(redisUrl: string): Promise<void> {
  const redis = new Redis(redisUrl);
  const keys = await redis.keys(`${PREFIX}*`);
  for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
  redis.disconnect();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
