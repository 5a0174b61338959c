/** Requests Twilio makes to the gateway: form-encoded, signed with `X-Twilio-Signature`, bounded by Twilio's own wait. */
import twilio from 'twilio';
import type { Method } from './twiml';

/** Twilio gives a webhook 15 s for the whole response. */
const RESPONSE_DEADLINE_MS = 15_000;

export interface WebhookAnswer {
  status: number;
  contentType: string;
  body: string;
}

/**
 * Sends Twilio's parameters to `url` as Twilio does: POST with a form body, or GET with them in the query;
 * the signature covers the URL as requested plus, for POST, the parameters sorted by name.
 */
export async function callWebhook(authToken: string, url: string, method: Method, params: Record<string, string>): Promise<WebhookAnswer> {
  const form = new URLSearchParams(params).toString();
  let target = url;
  if (method === 'GET' && form !== '') target = `${url}${url.includes('?') ? '&' : '?'}${form}`;
  const signature = twilio.getExpectedTwilioSignature(authToken, target, method === 'POST' ? params : {});
  const response = await fetch(target, {
    method,
    headers: {
      'x-twilio-signature': signature,
      'user-agent': 'TwilioProxy/1.1',
      ...(method === 'POST' && { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }),
    },
    ...(method === 'POST' && { body: form }),
    redirect: 'manual',
    signal: AbortSignal.timeout(RESPONSE_DEADLINE_MS),
  });
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', body: await response.text() };
}

/** The signature of a WebSocket handshake (shared with the simulator). */
export { handshakeSignature } from '../../../src/cli/mediaStreamLeg';
