/**
 * CPU of the capture's own work per webhook turn, without HTTP: a gateway runs in this process (on
 * Redis, or with --store memory on its memory store), its payments are made through its API before each
 * round, and then whole calls (the first webhook, the pay code, card number, expiry, security code and
 * confirmation with the sandbox charge) are driven straight through its turn runner, as the voice
 * webhooks drive it, `--concurrency` calls at a time. What a round's CPU holds is the turn runner, the
 * machine, the vault, the store client and the payment's projection: the part of `npm run bench`'s
 * CPU per turn that is the gateway's own, with the HTTP server, the routing, the form parsing, the
 * signature check and the payment's creation left out (the bare baseline pays for those too).
 *
 *   npx ts-node --transpile-only bench/captureTurnCpu.ts [--store redis|memory] [--calls 400] [--concurrency 20] [--rounds 5]
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { startGateway } from '../src/app/server';

const { values: args } = parseArgs({
  options: {
    store: { type: 'string', default: 'redis' },
    redis: { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
    calls: { type: 'string', default: '400' },
    concurrency: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '5' },
    'warmup-calls': { type: 'string', default: '600' },
  },
});
const API_KEY = 'bench-api-key-0123456789abcdef-xyz';
const KEYS: Array<[string, string]> = [
  ['4242424242424242', '#'],
  ['1230', ''],
  ['123', ''],
  ['1', ''],
];

async function main(): Promise<void> {
  const gateway = await startGateway({
    host: '127.0.0.1',
    port: 0,
    // Its few warnings are dropped: nothing reads them, and a stream nobody reads would keep them all.
    logStream: new Writable({ write: (_chunk, _encoding, done) => done() }),
    env: {
      NODE_ENV: 'development',
      TWILIO_AUTH_TOKEN: 'bench-auth-token-0123456789abcdef',
      API_KEY,
      VAULT_KEY: randomBytes(32).toString('base64'),
      LOG_LEVEL: 'warn',
      FLOWS_DIR: 'flows',
      REDIS_KEY_PREFIX: `bench:capture:${randomBytes(4).toString('hex')}:`,
      ...(args.store === 'redis' ? { REDIS_URL: args.redis } : {}),
    },
  });
  try {
    const payCode = async (): Promise<string> => {
      const response = await fetch(`${gateway.url}/api/payments`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ amount: '12.34', currency: 'USD' }),
      });
      return ((await response.json()) as { payCode: string }).payCode;
    };
    const turnOf = (twiml: string): number => Number(/turn=(\d+)/.exec(twiml)?.[1] ?? NaN);
    const call = async (code: string): Promise<void> => {
      const callSid = `CA${randomBytes(16).toString('hex')}`;
      let twiml = await gateway.capture.startCall(callSid, { locale: null });
      for (const [digits, finishedOnKey] of [[code, '#'] as [string, string], ...KEYS]) {
        twiml = await gateway.capture.takeTurn(callSid, turnOf(twiml), { kind: 'keys', digits, finishedOnKey });
      }
      if (!/reference/i.test(twiml)) throw new Error(`a call did not end with its reference: ${twiml.slice(0, 200)}`);
    };
    /** CPU µs per turn of `calls` calls; their payments are made first, outside the measured window. */
    const round = async (calls: number): Promise<number> => {
      const codes: string[] = [];
      for (let i = 0; i < calls; i += 1) codes.push(await payCode());
      let next = 0;
      const before = process.cpuUsage();
      await Promise.all(
        Array.from({ length: Number(args.concurrency) }, async () => {
          while (next < codes.length) await call(codes[next++]!);
        }),
      );
      const used = process.cpuUsage(before);
      return (used.user + used.system) / (calls * (KEYS.length + 2));
    };
    await round(Number(args['warmup-calls']));
    const figures: number[] = [];
    for (let i = 1; i <= Number(args.rounds); i += 1) {
      figures.push(await round(Number(args.calls)));
      console.log(`round ${i}  capture CPU ${figures.at(-1)!.toFixed(0)} µs/turn`);
    }
    const sorted = [...figures].sort((a, b) => a - b);
    console.log(`median   capture CPU ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)} µs/turn (${args.store} store, ${args.concurrency} calls at once, no HTTP)`);
  } finally {
    await gateway.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
