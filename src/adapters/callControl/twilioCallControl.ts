import twilio from 'twilio';
import type { AgentDial, CallControl, HoldAudio, OutgoingCall, RecordingTarget } from '../../ports/callControl';
import { CallControlError } from '../../ports/callControl';
import { DEFAULT_RETRY, withRetries, type RetryPolicy } from './retryPolicy';

type TwilioClient = ReturnType<typeof twilio>;

export interface TwilioCallControlOptions {
  accountSid: string;
  authToken: string;
  /** Base URL of Twilio's REST API (TWILIO_API_URL); Twilio's own when unset. */
  apiUrl?: string;
  /** The twilio library's HTTP client; tests wrap the default one to fail a request before it leaves. */
  httpClient?: NonNullable<Parameters<typeof twilio>[2]>['httpClient'];
  retry?: RetryPolicy;
}

/** Network errors raised before a request left this host: repeating them cannot act twice. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

const TWILIO_OWN_API_URL = 'https://api.twilio.com';

/** Who hears about a placed call's progress: every step, so a relay knows when the leg rings, answers and ends. */
const CALL_PROGRESS_EVENTS = ['initiated', 'ringing', 'answered', 'completed'];

/**
 * CallControl over Twilio's REST API (2010-04-01) with the twilio library's client. Updates are
 * idempotent by their target state and are retried on 5xx and network errors; creating a call or the
 * agent leg is not (a lost answer may hide a call already ringing), except when the request provably
 * never left.
 */
export class TwilioCallControl implements CallControl {
  private readonly client: TwilioClient;
  private readonly retry: RetryPolicy;

  constructor(options: TwilioCallControlOptions) {
    this.client = twilio(options.accountSid, options.authToken, options.httpClient ? { httpClient: options.httpClient } : {});
    const apiUrl = options.apiUrl ?? TWILIO_OWN_API_URL;
    this.client.api.baseUrl = apiUrl;
    if (apiUrl !== TWILIO_OWN_API_URL) {
      // An edge or region (TWILIO_EDGE / TWILIO_REGION in the environment) rewrites the host of every request.
      this.client.edge = undefined;
      this.client.region = undefined;
    }
    this.retry = options.retry ?? DEFAULT_RETRY;
  }

  async redirect(callSid: string, url: string): Promise<void> {
    await this.idempotent('redirect a call', () => this.client.calls(callSid).update({ url, method: 'POST' }));
  }

  async dialAgent(dial: AgentDial): Promise<{ callSid: string; conferenceSid: string | null }> {
    const participant = await this.once('dial the agent', () =>
      this.client.conferences(dial.conference).participants.create({
        from: dial.from,
        to: dial.to,
        statusCallback: dial.statusCallback,
        statusCallbackMethod: 'POST',
        statusCallbackEvent: ['initiated', 'answered', 'completed'],
        beep: 'false',
        startConferenceOnEnter: true,
        endConferenceOnExit: true,
      }),
    );
    return { callSid: participant.callSid, conferenceSid: participant.conferenceSid ?? null };
  }

  async setRecording(target: RecordingTarget, status: 'paused' | 'in-progress'): Promise<void> {
    const sid = target.recordingSid ?? 'Twilio.CURRENT';
    const options = status === 'paused' ? { status, pauseBehavior: 'skip' } : { status };
    await this.idempotent(`${status === 'paused' ? 'pause' : 'resume'} the recording`, async () => {
      if ('conferenceSid' in target) await this.client.conferences(target.conferenceSid).recordings(sid).update(options as never);
      else await this.client.calls(target.callSid).recordings(sid).update(options as never);
    });
  }

  async holdParticipant(conferenceSid: string, callSid: string, audio: HoldAudio | null): Promise<void> {
    const options = audio
      ? { hold: true, holdUrl: audio.holdUrl, holdMethod: 'GET', ...(audio.announceUrl ? { announceUrl: audio.announceUrl, announceMethod: 'POST' } : {}) }
      : { hold: false };
    await this.idempotent(audio ? 'hold the agent' : 'take the agent off hold', () =>
      this.client.conferences(conferenceSid).participants(callSid).update(options),
    );
  }

  async createCall(call: OutgoingCall): Promise<{ callSid: string }> {
    const answer = 'twiml' in call.answer ? { twiml: call.answer.twiml } : { url: call.answer.url, method: 'POST' };
    const created = await this.once('place a call', () =>
      this.client.calls.create({
        to: call.to,
        from: call.from,
        ...answer,
        statusCallback: call.statusCallback,
        statusCallbackMethod: 'POST',
        statusCallbackEvent: CALL_PROGRESS_EVENTS,
      }),
    );
    return { callSid: created.sid };
  }

  async endCall(callSid: string): Promise<void> {
    await this.idempotent('end a call', () => this.client.calls(callSid).update({ status: 'completed' }));
  }

  private async idempotent<T>(what: string, work: () => Promise<T>): Promise<T> {
    return this.translate(what, () => withRetries(work, (error) => isServerOrNetwork(error), this.retry));
  }

  private async once<T>(what: string, work: () => Promise<T>): Promise<T> {
    return this.translate(what, () => withRetries(work, (error) => NOT_SENT.has(codeOf(error)), this.retry));
  }

  private async translate<T>(what: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      const status = statusOf(error);
      const detail = status === null ? codeOf(error) || 'network error' : `HTTP ${status}`;
      throw new CallControlError(`could not ${what}: ${detail}`, isServerOrNetwork(error), status);
    }
  }
}

function statusOf(error: unknown): number | null {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : null;
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

function isServerOrNetwork(error: unknown): boolean {
  const status = statusOf(error);
  return status === null || status >= 500;
}
