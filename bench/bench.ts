/**
 * Webhook-turn benchmark. Runs whole simulated calls (signed webhooks from the pay code to the result)
 * at a fixed concurrency against the gateway on Redis, and the same requests against a bare Express
 * endpoint that answers a fixed TwiML document, in the same run. Both servers are child processes, so
 * the load generator does not share their event loop. Prints medians over several rounds.
 *
 *   npm run bench -- [--calls 600] [--concurrency 200] [--rounds 3]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import Redis from 'ioredis';
import twilio from 'twilio';

const { values: args } = parseArgs({
  options: {
    calls: { type: 'string', default: '600' },
    concurrency: { type: 'string', default: '200' },
    rounds: { type: 'string', default: '3' },
    redis: { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
  },
});
const CALLS = Number(args.calls);
const CONCURRENCY = Number(args.concurrency);
const ROUNDS = Number(args.rounds);
const AUTH_TOKEN = 'bench-auth-token-0123456789abcdef';
const API_KEY = 'bench-api-key-0123456789abcdef-xyz';
const PREFIX = `bench:${randomBytes(4).toString('hex')}:`;

interface Target {
  name: string;
  base: string;
}

async function main(): Promise<void> {
  const gatewayPort = 41000 + Math.floor(Math.random() * 1000);
  const barePort = gatewayPort + 1000;
  const gateway = startChild('src/main.ts', {
    PORT: String(gatewayPort),
    PUBLIC_BASE_URL: `http://127.0.0.1:${gatewayPort}`,
    TWILIO_AUTH_TOKEN: AUTH_TOKEN,
    API_KEY,
    VAULT_KEY: randomBytes(32).toString('base64'),
    REDIS_URL: args.redis,
    REDIS_KEY_PREFIX: PREFIX,
    LOG_LEVEL: 'warn',
  });
  const bare = startChild('bench/bareTwimlServer.ts', { PORT: String(barePort), TWILIO_AUTH_TOKEN: AUTH_TOKEN });
  try {
    await waitForHealth(`http://127.0.0.1:${gatewayPort}/healthz`);
    await waitForHealth(`http://127.0.0.1:${barePort}/healthz`);
    const gw: Target = { name: 'gateway', base: `http://127.0.0.1:${gatewayPort}` };
    const baseline: Target = { name: 'bare express', base: `http://127.0.0.1:${barePort}` };

    console.log(`calls per round: ${CALLS}, concurrency: ${CONCURRENCY}, rounds: ${ROUNDS}, 6 webhook turns per call`);
    await runRound(gw, Math.min(50, CALLS), 20); // warm-up: JIT, Redis scripts, connections
    await runRound(baseline, Math.min(50, CALLS), 20);
    const results: Record<string, RoundResult[]> = { gateway: [], 'bare express': [] };
    for (let r = 0; r < ROUNDS; r += 1) {
      // Alternate the order so drift on a shared machine falls on both sides alike.
      const order = r % 2 === 0 ? [gw, baseline] : [baseline, gw];
      for (const target of order) {
        const result = await runRound(target, CALLS, CONCURRENCY);
        results[target.name]!.push(result);
        console.log(`round ${r + 1} ${target.name.padEnd(12)} ${fmt(result)}`);
      }
    }
    const g = medianOf(results.gateway!);
    const b = medianOf(results['bare express']!);
    console.log('\nmedians over rounds');
    console.log(`gateway      ${fmt(g)}`);
    console.log(`bare express ${fmt(b)}`);
    console.log(`ratio gateway/bare (turns per second): ${(g.turnsPerSecond / b.turnsPerSecond).toFixed(2)}`);
    console.log(`stored call session: ${await sessionSize(args.redis)} bytes (JSON in one Redis hash field)`);
  } finally {
    gateway.kill('SIGTERM');
    bare.kill('SIGTERM');
    await cleanRedis(args.redis);
  }
}

interface RoundResult {
  turnsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
}

async function runRound(target: Target, calls: number, concurrency: number): Promise<RoundResult> {
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < calls) {
      next += 1;
      try {
        await oneCall(target, latencies);
      } catch {
        errors += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    turnsPerSecond: latencies.length / seconds,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    errors,
  };
}

/** One whole call: the payment is created through the API (not timed), then six timed webhook turns. */
async function oneCall(target: Target, latencies: number[]): Promise<void> {
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
  for (const [digits, finish] of keys) {
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
    p50: median(rounds.map((r) => r.p50)),
    p99: median(rounds.map((r) => r.p99)),
    errors: rounds.reduce((sum, r) => sum + r.errors, 0),
  };
}

function fmt(r: RoundResult): string {
  return `${r.turnsPerSecond.toFixed(0).padStart(6)} turns/s   p50 ${r.p50.toFixed(2).padStart(7)} ms   p99 ${r.p99.toFixed(2).padStart(7)} ms   errors ${r.errors}`;
}

function startChild(script: string, env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', script], {
    env: { ...process.env, NODE_ENV: 'development', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return child;
}

async function waitForHealth(url: string): Promise<void> {
  for (let i = 0; i < 100; i += 1) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not come up`);
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
