import { randomBytes } from 'node:crypto';
import twilio from 'twilio';
import { collectKeys, type GatherInput, type KeySource } from './keySources';
import { parseTwiml, type GatherVerb, type TwimlVerb } from './twiml';

/** What to dial, who plays the caller, and where the transcript goes. */
export interface SimulateCallOptions {
  /** The URL Twilio would fetch when the call connects. */
  startUrl: string;
  /** The gateway's base URL; the hang-up callback goes to `{baseUrl}/voice/status`. */
  baseUrl: string;
  /** Signs every webhook as Twilio does; null sends no signature. */
  authToken: string | null;
  keys: KeySource;
  out: (line: string) => void;
  callSid?: string;
  accountSid?: string;
  from?: string;
  to?: string;
  /** The pay code the caller will type, the one multi-digit entry shown in clear in the transcript. */
  payCode?: string;
  /** The masked payment as an agent would see it, printed after every turn. */
  agentView?: () => Promise<string | null>;
  fetchImpl?: typeof fetch;
  /** Webhook requests allowed before the simulator gives up on a call that never ends (default 200). */
  maxTurns?: number;
}

/** How the call ended, how many webhooks it took, and everything the gateway said. */
export interface CallResult {
  ended: 'hangup' | 'caller-hung-up' | 'error';
  turns: number;
  said: string[];
  error?: string;
}

interface Webhook {
  url: string;
  method: 'GET' | 'POST';
  params: Record<string, string>;
}

type Outcome = { ended: 'hangup' | 'caller-hung-up' } | { ended: 'error'; error: string };
type Step = { next: Webhook } | Outcome;

const DEFAULT_MAX_TURNS = 200;
// Anything this long is treated as a card number, of which only the last four may be shown.
const CARD_LIKE_LENGTH = 12;
const PAY_CODE = /^\d{6}$/;

/** Plays Twilio's part in one call: follows the gateway's TwiML, types the caller's keys, signs every request. */
export async function simulateCall(options: SimulateCallOptions): Promise<CallResult> {
  const { out, keys } = options;
  const fetchImpl = options.fetchImpl ?? fetch;
  const maxTurns = options.maxTurns ?? DEFAULT_MAX_TURNS;
  const call: Record<string, string> = {
    CallSid: options.callSid ?? `CA${randomBytes(16).toString('hex')}`,
    AccountSid: options.accountSid ?? `AC${randomBytes(16).toString('hex')}`,
    From: options.from ?? '+15005550006',
    To: options.to ?? '+15005550001',
    CallStatus: 'in-progress',
    Direction: 'inbound',
    ApiVersion: '2010-04-01',
  };
  const startedAt = Date.now();
  const said: string[] = [];
  let cardTyped = false;
  let turns = 0;

  const send = async (hook: Webhook): Promise<{ ok: true; body: string } | { ok: false; error: string }> => {
    const params = { ...call, ...hook.params };
    const url = hook.method === 'GET' ? withQuery(hook.url, params) : hook.url;
    const signed = hook.method === 'GET' ? {} : params;
    const headers: Record<string, string> = {};
    if (hook.method === 'POST') headers['Content-Type'] = 'application/x-www-form-urlencoded';
    if (options.authToken !== null) {
      headers['X-Twilio-Signature'] = twilio.getExpectedTwilioSignature(options.authToken, url, signed);
    }
    let response: Response;
    try {
      response = await fetchImpl(url, {
        method: hook.method,
        headers,
        ...(hook.method === 'POST' && { body: new URLSearchParams(params).toString() }),
      });
    } catch (error) {
      return { ok: false, error: `could not reach ${hook.method} ${hook.url}: ${reasonOf(error)}` };
    }
    const body = await response.text();
    if (!response.ok) {
      const detail = summarize(body);
      const status = `${response.status} ${response.statusText}`;
      const error = `gateway answered ${status} to ${hook.method} ${hook.url}${detail ? `: ${detail}` : ''}`;
      return { ok: false, error };
    }
    return { ok: true, body };
  };

  const describeKeys = (input: GatherInput): string => {
    if (input.digits === '' && input.finishedOnKey === '') return '(silence)';
    // Before any card number, a 6-digit entry can only be the pay code; afterwards it might be card data.
    const reveal =
      input.digits.length === 1 ||
      (options.payCode !== undefined ? input.digits === options.payCode : PAY_CODE.test(input.digits) && !cardTyped);
    return `${reveal ? input.digits : maskKeys(input.digits)}${input.finishedOnKey}`;
  };

  const gatherAt = async (gather: GatherVerb, hook: Webhook): Promise<Step | 'fall-through'> => {
    for (const prompt of gather.prompts) {
      said.push(prompt);
      out(`gateway: ${prompt}`);
    }
    const press = await keys.next(gather);
    if (press === 'hangup') return { ended: 'caller-hung-up' };
    const input = collectKeys(press, gather);
    out(`caller: ${describeKeys(input)}`);
    if (input.warning) out(`warning: ${input.warning}`);
    if (input.digits.length >= CARD_LIKE_LENGTH) cardTyped = true;
    // Twilio only moves past a Gather without posting when there was no input and the document asked for that.
    if (input.digits === '' && !gather.actionOnEmptyResult) return 'fall-through';
    return {
      next: {
        url: gather.action === '' ? hook.url : resolveUrl(gather.action, hook.url),
        method: gather.method,
        params: { Digits: input.digits, FinishedOnKey: input.finishedOnKey },
      },
    };
  };

  const play = async (verbs: TwimlVerb[], hook: Webhook): Promise<Step> => {
    for (const verb of verbs) {
      switch (verb.verb) {
        case 'say':
          said.push(verb.text);
          out(`gateway: ${verb.text}`);
          break;
        case 'pause':
          out(`(pause ${verb.seconds}s)`);
          break;
        case 'gather': {
          const step = await gatherAt(verb, hook);
          if (step !== 'fall-through') return step;
          break;
        }
        case 'redirect':
          if (verb.url === '') {
            return { ended: 'error', error: `<Redirect> without a URL in the answer to ${hook.url}` };
          }
          return { next: { url: resolveUrl(verb.url, hook.url), method: verb.method, params: {} } };
        case 'hangup':
          return { ended: 'hangup' };
        case 'unknown':
          out(`(skipped <${verb.name}>: not a verb the simulator plays)`);
          break;
      }
    }
    return { ended: 'hangup' };
  };

  const showAgentView = async (): Promise<void> => {
    if (!options.agentView) return;
    try {
      const view = await options.agentView();
      if (view !== null) out(`agent view: ${view}`);
    } catch (error) {
      out(`agent view: (unavailable: ${reasonOf(error)})`);
    }
  };

  let hook: Webhook = { url: options.startUrl, method: 'POST', params: {} };
  let outcome: Outcome;
  for (;;) {
    if (turns >= maxTurns) {
      outcome = { ended: 'error', error: `stopped after ${maxTurns} turns: the call never ended` };
      break;
    }
    turns += 1;
    const answer = await send(hook);
    if (!answer.ok) {
      outcome = { ended: 'error', error: answer.error };
      break;
    }
    let verbs: TwimlVerb[];
    try {
      verbs = parseTwiml(answer.body);
    } catch (error) {
      outcome = { ended: 'error', error: `the answer to ${hook.url} is not TwiML: ${reasonOf(error)}` };
      break;
    }
    await showAgentView();
    const step = await play(verbs, hook);
    if ('next' in step) {
      hook = step.next;
      continue;
    }
    outcome = step;
    break;
  }

  if (outcome.ended === 'error') out(`error: ${outcome.error}`);
  else out(outcome.ended === 'hangup' ? '(gateway hung up)' : '(caller hung up)');

  const callback = await send({
    url: `${options.baseUrl.replace(/\/+$/, '')}/voice/status`,
    method: 'POST',
    params: { CallStatus: 'completed', CallDuration: String(Math.ceil((Date.now() - startedAt) / 1000)) },
  });
  if (!callback.ok) {
    out(`error: status callback: ${callback.error}`);
    // The call's own failure is the more useful report; a failed callback only matters when the call went well.
    if (outcome.ended !== 'error') outcome = { ended: 'error', error: `status callback: ${callback.error}` };
  }

  return { ...outcome, turns, said };
}

/** Keys as the transcript shows them: a card-like entry keeps only its last four, anything else is all bullets. */
export function maskKeys(digits: string): string {
  if (digits.length >= CARD_LIKE_LENGTH) return '•'.repeat(digits.length - 4) + digits.slice(-4);
  return '•'.repeat(digits.length);
}

// Absolute URLs are used verbatim: the signature covers the exact string, and URL parsing could normalize it.
function resolveUrl(target: string, current: string): string {
  return /^https?:\/\//i.test(target) ? target : new URL(target, current).toString();
}

function withQuery(url: string, params: Record<string, string>): string {
  return `${url}${url.includes('?') ? '&' : '?'}${new URLSearchParams(params).toString()}`;
}

function summarize(body: string): string {
  const text = body.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // fetch reports "fetch failed" and keeps the useful reason (ECONNREFUSED, ...) in its cause.
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
}
