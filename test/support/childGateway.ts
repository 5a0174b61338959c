/** Gateways as real child processes (`src/main.ts`), for tests of several processes, signals and exits. */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import Redis from 'ioredis';
import twilio from 'twilio';
import { API_KEY, AUTH_TOKEN, REDIS_URL, VAULT_KEY } from './harness';

const ROOT = path.resolve(__dirname, '../..');
/**
 * A child gateway compiles its sources with ts-node as it starts: a few seconds on an idle machine,
 * well over twenty when both cores are busy. Deadlines leave room for the busy case.
 */
export const CHILD_START_DEADLINE_MS = 90_000;
/** A jest timeout for a hook or test that starts child gateways. */
export const CHILD_TEST_TIMEOUT_MS = 2 * CHILD_START_DEADLINE_MS;

export interface ChildGateway {
  child: ChildProcess;
  /** Where this process listens on the loopback interface. */
  localUrl: string;
  /** Every stdout and stderr line, as raw text. */
  lines: string[];
  /** Resolves with the exit code (null when killed by a signal) and the signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILLs the process unless it already ended, and waits for the exit. */
  kill(): Promise<void>;
}

/** The environment every gateway of one fleet shares: same secrets, same public URL, same store. */
export function fleetEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    PORT: '0',
    TWILIO_AUTH_TOKEN: AUTH_TOKEN,
    API_KEY,
    VAULT_KEY,
    LOG_LEVEL: 'info',
    FLOWS_DIR: path.join(ROOT, 'flows'),
    REDIS_KEY_PREFIX: `test:fleet:${randomBytes(6).toString('hex')}:`,
    SHUTDOWN_DRAIN_DELAY_MS: '0',
    ...extra,
  };
}

/** The capture state of a call as a fleet on `REDIS_URL` under `prefix` stored it; null before the call. */
export async function storedCallState(prefix: string, callSid: string): Promise<string | null> {
  const redis = new Redis(REDIS_URL);
  try {
    const data = await redis.hget(`${prefix}call:${callSid}`, 'd');
    return data ? (JSON.parse(data) as { state: { value: string } }).state.value : null;
  } finally {
    redis.disconnect();
  }
}

/** Starts `node src/main.ts` with `env` (PORT=0: a free port) and waits for its "gateway listening" line. */
export async function startChildGateway(env: Record<string, string>, timeoutMs = CHILD_START_DEADLINE_MS): Promise<ChildGateway> {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  const kill = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await exited;
  };
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start within ${timeoutMs} ms:\n${lines.join('\n')}`)), timeoutMs);
    const onLine = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        lines.push(line);
        const m = /"message":"gateway listening".*?"port":(\d+)|"port":(\d+).*?"message":"gateway listening"/.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1] ?? m[2]));
        }
      }
    };
    child.stdout!.on('data', onLine);
    child.stderr!.on('data', onLine);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited (${code ?? signal}) before listening:\n${lines.join('\n')}`));
    });
  }).catch(async (error: unknown) => {
    await kill();
    throw error;
  });
  return { child, localUrl: `http://127.0.0.1:${port}`, lines, exited, kill };
}

/**
 * One phone call whose webhooks may land on any process of a fleet: each request is signed for the
 * shared public URL, as Twilio signs it, and sent to the local address `target()` picks.
 */
export class FleetCall {
  twiml = '';
  readonly callSid = `CA${randomBytes(16).toString('hex')}`;

  constructor(
    private readonly publicUrl: string,
    private readonly target: () => string,
  ) {}

  /** Posts a signed webhook for `publicPathOrUrl`; the TwiML answer becomes `twiml`. */
  async post(publicPathOrUrl: string, extra: Record<string, string> = {}): Promise<string> {
    const url = publicPathOrUrl.startsWith('http') ? publicPathOrUrl : this.publicUrl + publicPathOrUrl;
    const params = { CallSid: this.callSid, AccountSid: 'AC00000000000000000000000000000000', CallStatus: 'in-progress', ...extra };
    const signature = twilio.getExpectedTwilioSignature(AUTH_TOKEN, url, params);
    const res = await fetch(url.replace(this.publicUrl, this.target()), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
      body: new URLSearchParams(params).toString(),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status}: ${text}`);
    this.twiml = text;
    return text;
  }

  /** Types keys at the current `<Gather>`; a trailing '#' is the finish key. */
  press(keys: string): Promise<string> {
    const finished = keys.endsWith('#');
    return this.post(this.gatherAction(), { Digits: finished ? keys.slice(0, -1) : keys, FinishedOnKey: finished ? '#' : '' });
  }

  /**
   * Follows `<Redirect>`s (the processor's holding loop) until the document has none, at most `max`
   * times; each hold lasts at least the processor timeout, so the default covers a loaded machine.
   */
  async followRedirects(max = 60): Promise<void> {
    for (let i = 0; i < max && this.redirectUrl(); i += 1) await this.post(this.redirectUrl()!);
  }

  /** Twilio's status callback for the end of the call; answers the HTTP status. */
  async hangUp(): Promise<number> {
    const url = `${this.publicUrl}/voice/status`;
    const params = { CallSid: this.callSid, AccountSid: 'AC00000000000000000000000000000000', CallStatus: 'completed' };
    const res = await fetch(url.replace(this.publicUrl, this.target()), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(AUTH_TOKEN, url, params) },
      body: new URLSearchParams(params).toString(),
    });
    await res.arrayBuffer();
    return res.status;
  }

  gatherAction(): string {
    const m = /<Gather[^>]*\saction="([^"]+)"/.exec(this.twiml);
    if (!m) throw new Error(`no <Gather> in: ${this.twiml}`);
    return m[1]!.replace(/&amp;/g, '&');
  }

  redirectUrl(): string | null {
    const m = /<Redirect[^>]*>([^<]+)<\/Redirect>/.exec(this.twiml);
    return m ? m[1]!.replace(/&amp;/g, '&') : null;
  }

  says(): string {
    return [...this.twiml.matchAll(/<Say[^>]*>([^<]*)<\/Say>/g)].map((m) => m[1]).join(' ');
  }
}

/** Calls the payments API of one process with the fleet's key. */
export async function fleetApi(localUrl: string, method: 'GET' | 'POST', pathname: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(localUrl + pathname, {
    method,
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}
