import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { XMLParser } from 'fast-xml-parser';
import Redis from 'ioredis';
import twilio from 'twilio';
import { startGateway, type GatewayOptions, type RunningGateway } from '../../src/app/server';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const AUTH_TOKEN = 'test-auth-token-0123456789abcdef';
export const API_KEY = 'test-api-key-0123456789abcdef-xyz';
export const VAULT_KEY = Buffer.alloc(32, 7).toString('base64');

export type StoreKind = 'memory' | 'redis';
export const STORE_KINDS: StoreKind[] = ['memory', 'redis'];

export interface TestGateway {
  gateway: RunningGateway;
  baseUrl: string;
  /** Every log line the gateway wrote, as raw text. */
  logLines: string[];
  /** Every response body the tests received (TwiML and JSON), for leak scans. */
  responses: string[];
  prefix: string;
  api(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; text: string }>;
  createPayment(body?: Record<string, unknown>): Promise<any>;
  getPayment(id: string): Promise<any>;
  call(callSid?: string): TestCall;
  /** Raw values of every key this gateway wrote in Redis (empty for the memory store). */
  rawRedisValues(): Promise<string[]>;
  close(): Promise<void>;
}

/** Starts an in-process gateway on a free port with a private Redis key prefix. */
export async function startTestGateway(
  kind: StoreKind,
  options: {
    env?: Record<string, string>;
    processor?: GatewayOptions['processor'];
    clock?: GatewayOptions['clock'];
    callControl?: GatewayOptions['callControl'];
    /** Another gateway's Redis key prefix, to share its data (a second process, a restart). */
    prefix?: string;
    /** A store shared with another in-process gateway: two processes on one memory store. */
    store?: GatewayOptions['store'];
  } = {},
): Promise<TestGateway> {
  const prefix = options.prefix ?? `test:${randomBytes(6).toString('hex')}:`;
  const logStream = new PassThrough();
  const logLines: string[] = [];
  logStream.on('data', (chunk: Buffer) => logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  const env: NodeJS.ProcessEnv = {
    NODE_ENV: 'test',
    TWILIO_AUTH_TOKEN: AUTH_TOKEN,
    API_KEY,
    VAULT_KEY,
    LOG_LEVEL: 'debug',
    FLOWS_DIR: 'flows',
    REDIS_KEY_PREFIX: prefix,
    ...(kind === 'redis' ? { REDIS_URL } : {}),
    ...options.env,
  };
  const gateway = await startGateway({
    env,
    port: 0,
    host: '127.0.0.1',
    logStream,
    ...(options.processor ? { processor: options.processor } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.callControl ? { callControl: options.callControl } : {}),
    ...(options.store ? { store: options.store } : {}),
  });
  const baseUrl = gateway.config.http.publicBaseUrl;
  const responses: string[] = [];

  const api: TestGateway['api'] = async (method, path, body, headers = {}) => {
    const res = await fetch(gateway.url + path, {
      method,
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    responses.push(text);
    let parsed: unknown = null;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
    return { status: res.status, body: parsed, text };
  };

  const tg: TestGateway = {
    gateway,
    baseUrl,
    logLines,
    responses,
    prefix,
    api,
    async createPayment(body = {}) {
      const res = await api('POST', '/api/payments', { amount: '12.34', currency: 'USD', ...body });
      if (res.status !== 201) throw new Error(`create payment: ${res.status} ${res.text}`);
      return res.body;
    },
    async getPayment(id) {
      return (await api('GET', `/api/payments/${id}`)).body;
    },
    call(callSid = newCallSid()) {
      return new TestCall(tg, callSid);
    },
    async rawRedisValues() {
      if (kind !== 'redis') return [];
      const redis = new Redis(REDIS_URL);
      try {
        const keys = await redis.keys(`${prefix}*`);
        const values: string[] = [];
        for (const key of keys) {
          const type = await redis.type(key);
          if (type === 'hash') values.push(...Object.values(await redis.hgetall(key)));
          else if (type === 'string') values.push((await redis.get(key)) ?? '');
          else if (type === 'stream') for (const [, fields] of await redis.xrange(key, '-', '+')) values.push(...fields);
          values.push(key);
        }
        return values;
      } finally {
        redis.disconnect();
      }
    },
    async close() {
      await gateway.close();
      if (kind === 'redis') {
        const redis = new Redis(REDIS_URL);
        const keys = await redis.keys(`${prefix}*`);
        if (keys.length > 0) await redis.del(...keys);
        redis.disconnect();
      }
    },
  };
  return tg;
}

/** The parameters Twilio sends with every voice webhook. */
export function twilioParams(callSid: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    CallSid: callSid,
    AccountSid: 'AC00000000000000000000000000000000',
    From: '+15005550006',
    To: '+15005550001',
    CallStatus: 'in-progress',
    Direction: 'inbound',
    ApiVersion: '2010-04-01',
    ...extra,
  };
}

export function newCallSid(): string {
  return `CA${randomBytes(16).toString('hex')}`;
}

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', preserveOrder: false });

/** One simulated phone call: posts signed webhooks the way Twilio does and follows the TwiML. */
export class TestCall {
  /** The last TwiML document the gateway answered. */
  twiml = '';
  constructor(
    private readonly tg: TestGateway,
    readonly callSid: string,
  ) {}

  /** Dials the self-service number (or another start URL, e.g. a payment's voiceUrl). */
  async start(url = `${this.tg.baseUrl}/voice/incoming`): Promise<string> {
    return this.post(url, {});
  }

  /** Types keys at the current `<Gather>`; a trailing '#' becomes FinishedOnKey as Twilio sends it. */
  async press(keys: string): Promise<string> {
    const finished = keys.endsWith('#');
    const digits = finished ? keys.slice(0, -1) : keys;
    return this.post(this.gatherAction(), { Digits: digits, FinishedOnKey: finished ? '#' : '' });
  }

  /** Lets the `<Gather>` time out: Twilio posts an empty Digits (actionOnEmptyResult). */
  async silence(): Promise<string> {
    return this.post(this.gatherAction(), { Digits: '', FinishedOnKey: '' });
  }

  /** Follows the `<Redirect>` of the last document. */
  async followRedirect(): Promise<string> {
    const url = this.redirectUrl();
    if (!url) throw new Error(`no <Redirect> in: ${this.twiml}`);
    return this.post(url, {});
  }

  async hangUp(): Promise<number> {
    const res = await this.signedPost(`${this.tg.baseUrl}/voice/status`, { CallStatus: 'completed', CallDuration: '42' });
    return res.status;
  }

  /** Everything `<Say>` says in the last document, in order. */
  says(): string[] {
    const out: string[] = [];
    const walk = (node: unknown) => {
      if (node === null || typeof node !== 'object') return;
      for (const [name, value] of Object.entries(node as Record<string, unknown>)) {
        const items = Array.isArray(value) ? value : [value];
        for (const item of items) {
          if (name === 'Say') out.push(typeof item === 'string' ? item : String((item as Record<string, unknown>)['#text'] ?? ''));
          else walk(item);
        }
      }
    };
    walk(xml.parse(this.twiml));
    return out;
  }

  saysText(): string {
    return this.says().join(' ');
  }

  gatherAction(): string {
    const m = /<Gather[^>]*\saction="([^"]+)"/.exec(this.twiml);
    if (!m) throw new Error(`no <Gather> in: ${this.twiml}`);
    return m[1]!.replace(/&amp;/g, '&');
  }

  gatherAttribute(name: string): string | null {
    const m = new RegExp(`<Gather[^>]*\\s${name}="([^"]*)"`).exec(this.twiml);
    return m ? m[1]! : null;
  }

  redirectUrl(): string | null {
    const m = /<Redirect[^>]*>([^<]+)<\/Redirect>/.exec(this.twiml);
    return m ? m[1]!.replace(/&amp;/g, '&') : null;
  }

  hasHangup(): boolean {
    return this.twiml.includes('<Hangup/>');
  }

  /** Posts a signed webhook as Twilio would; the answer becomes `twiml`. */
  async post(url: string, params: Record<string, string>): Promise<string> {
    const res = await this.signedPost(url, params);
    const text = await res.text();
    this.tg.responses.push(text);
    if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status}: ${text}`);
    this.twiml = text;
    return text;
  }

  async signedPost(url: string, extra: Record<string, string>, options: { signature?: string | null } = {}): Promise<Response> {
    const params = twilioParams(this.callSid, extra);
    const signature = options.signature === undefined ? twilio.getExpectedTwilioSignature(AUTH_TOKEN, url, params) : options.signature;
    // The public URL and the listening address are the same here; tests of proxies rewrite it.
    const target = url.replace(this.tg.baseUrl, this.tg.gateway.url);
    return fetch(target, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(signature === null ? {} : { 'x-twilio-signature': signature }) },
      body: new URLSearchParams(params).toString(),
    });
  }
}

/** Keys for one whole happy call with a card: number, expiry, security code, confirm. */
export function cardKeys(number: string, brand: string): string[] {
  return [`${number}#`, '1230', brand === 'american-express' ? '1234' : '123', '1'];
}

/** Creates a panel agent on the test gateway and answers the key it signs in with. */
export async function addTestAgent(tg: TestGateway, name = 'tester', role: 'agent' | 'supervisor' = 'agent'): Promise<string> {
  return (await tg.gateway.agents.add(name, role, new Date())).key;
}
