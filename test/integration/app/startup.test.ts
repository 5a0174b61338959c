/** The gateway process as `npm start` runs it: the banner it prints, and the .env file it reads. */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../..');
/** Starting from the TypeScript sources takes a while on a busy machine. */
const START_DEADLINE_MS = 90_000;

interface Started {
  child: ChildProcess;
  output: () => string;
  /** Resolves once the output matches, rejects when the process exits first or the deadline passes. */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
  stop(): Promise<void>;
}

/** Runs src/main.ts in `cwd` (a folder of its own, so no .env of the checkout is read) with only `env`. */
function startMain(cwd: string, env: Record<string, string>): Started {
  const child = spawn(process.execPath, ['-r', require.resolve('ts-node/register/transpile-only'), join(ROOT, 'src/main.ts')], {
    cwd,
    env: { PATH: process.env.PATH ?? '', TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'), FLOWS_DIR: join(ROOT, 'flows'), SHUTDOWN_DRAIN_DELAY_MS: '0', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = once(child, 'exit');
  return {
    child,
    output: () => output,
    waitFor(pattern) {
      return new Promise((done, fail) => {
        const check = () => {
          const match = pattern.exec(output);
          if (!match) return;
          cleanup();
          done(match);
        };
        const timer = setTimeout(() => {
          cleanup();
          fail(new Error(`no ${pattern} within ${START_DEADLINE_MS} ms:\n${output}`));
        }, START_DEADLINE_MS);
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        void exited.then(() => {
          check();
          if (listeners.has(check)) {
            cleanup();
            fail(new Error(`the gateway exited before printing ${pattern}:\n${output}`));
          }
        });
        check();
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}

describe('npm start in development', () => {
  let dir: string;
  let gateway: Started | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ccg-start-'));
  });
  afterEach(async () => {
    await gateway?.stop();
    gateway = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints where the panel and the OpenAPI document are, the export line of the generated key, and the simulator command', async () => {
    gateway = startMain(dir, { NODE_ENV: 'development' });
    const [, base] = await gateway.waitFor(/Try a call: +npm run simulate -- --url (http:\/\/127\.0\.0\.1:\d+) --api-key "\$API_KEY"\n/);
    const out = gateway.output();
    expect(out).toContain(`Agent panel:  ${base}/panel`);
    expect(out).toContain(`OpenAPI:      ${base}/api/openapi.json`);
    expect(out).toContain(`Start page:   ${base}/`);
    const [, apiKey] = /export API_KEY=(\S+)\n/.exec(out) ?? [];
    expect(apiKey).toMatch(/^[A-Za-z0-9_-]{24,}$/);
    // The exported key is the gateway's key.
    const res = await fetch(`${base}/api/payments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ amount: '1.00', currency: 'USD' }),
    });
    expect(res.status).toBe(201);
    // Printed once for the terminal, never written to the JSON log.
    expect(out.split('\n').filter((line) => line.startsWith('{') && line.includes(apiKey!))).toEqual([]);
  }, 120_000);

  it('reads a .env file in the working directory, and a variable set in the environment wins over it', async () => {
    writeFileSync(
      join(dir, '.env'),
      ['# a developer\'s settings', 'PUBLIC_BASE_URL=http://from-dotenv.example:8123', 'PROCESSOR=not-a-processor', 'API_KEY=dotenv-api-key-0123456789abcdef', ''].join('\n'),
    );
    gateway = startMain(dir, { NODE_ENV: 'development', PROCESSOR: 'sandbox' });
    await gateway.waitFor(/Settings: +read from \.env/);
    const out = gateway.output();
    expect(out).toContain('Card capture gateway ready at http://from-dotenv.example:8123 (development, memory store, sandbox processor)');
    expect(out).toContain('Agent panel:  http://from-dotenv.example:8123/panel');
    expect(out).toContain('API key:      the API_KEY you set');
    expect(out).not.toContain('config error');
  }, 120_000);
});
