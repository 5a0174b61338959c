/** The gateway process refusing a bad configuration: the exit code and the one `config error:` line per problem. */
import { spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { CHILD_START_DEADLINE_MS, CHILD_TEST_TIMEOUT_MS } from '../../support/childGateway';
import { GOOD_PRODUCTION_ENV, PRODUCTION_WITH_NOTHING_SET } from '../../support/configProblems';

const PROJECT_ROOT = resolve(__dirname, '../../..');
const GOOD_PRODUCTION: Record<string, string> = { ...GOOD_PRODUCTION_ENV };

describe('starting the gateway process', () => {
  /** Runs src/main.ts as `npm run dev` would, with only the given variables (no secrets leak in from this shell). */
  function runMain(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string; timedOut: boolean }> {
    return new Promise((done, fail) => {
      const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
        cwd: PROJECT_ROOT,
        env: { PATH: process.env.PATH ?? '', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      let timedOut = false;
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      // Generous: compiling the sources on start takes a while on a busy machine.
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, 90_000);
      child.on('error', fail);
      child.on('close', (code) => {
        clearTimeout(timer);
        done({ code, stdout, stderr, timedOut });
      });
    });
  }

  it('exits 1 in production without secrets, printing one "config error:" line per missing variable', async () => {
    const result = await runMain({ NODE_ENV: 'production' });
    expect(result.timedOut).toBe(false);
    expect(result.code).toBe(1);
    expect(result.stderr.split('\n').filter(Boolean)).toEqual(PRODUCTION_WITH_NOTHING_SET.map((p) => `config error: ${p}`));
    expect(result.stdout).not.toContain('listening');
  }, 120_000);

  it('exits 1 in production with an http public URL, printing that one line, however complete the rest is', async () => {
    const result = await runMain({
      ...GOOD_PRODUCTION,
      REDIS_URL: 'redis://127.0.0.1:6379',
      REDIS_KEY_PREFIX: `test:${process.pid}:http-url:`,
      PORT: '0',
      PUBLIC_BASE_URL: 'http://pay.example.com',
    });
    expect(result.timedOut).toBe(false);
    expect(result.code).toBe(1);
    expect(result.stderr.split('\n').filter(Boolean)).toEqual([
      'config error: PUBLIC_BASE_URL: must be https:// when NODE_ENV=production (Twilio posts the keypad digits to it)',
    ]);
    expect(result.stdout).not.toContain('listening');
  }, 120_000);
});

describe('starting the gateway with a misconfigured processor', () => {
  it('exits 1 with exactly one line naming the missing key', () => {
    // Only the variables given: no secret from this shell can make the start succeed.
    const result = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
      cwd: PROJECT_ROOT,
      env: { PATH: process.env.PATH ?? '', PROCESSOR: 'stripe', PORT: '0' },
      encoding: 'utf8',
      timeout: CHILD_START_DEADLINE_MS,
    });
    expect(result.status).toBe(1);
    expect(result.stderr.split('\n').filter(Boolean)).toEqual(['config error: STRIPE_SECRET_KEY: required when PROCESSOR=stripe']);
    expect(result.stdout).not.toContain('listening');
  }, CHILD_TEST_TIMEOUT_MS);
});
