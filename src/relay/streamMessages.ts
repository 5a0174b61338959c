/**
 * Twilio Media Streams messages, read and written. Incoming messages are checked by hand rather than
 * by a schema: fifty arrive per second per leg, and only the few fields the relay uses matter.
 * Nothing here keeps or reports a message's content: a `dtmf` digit is card data during a capture.
 */

export type IncomingMessage =
  | { event: 'connected' }
  | { event: 'start'; streamSid: string; callSid: string; parameters: Record<string, unknown> }
  | { event: 'media'; payload: string }
  | { event: 'dtmf'; digit: string }
  | { event: 'mark'; name: string }
  | { event: 'stop' };

const STREAM_SID = /^MZ[0-9a-fA-F]{32}$/;
const CALL_SID = /^CA[0-9a-fA-F]{32}$/;
/** Twilio's media payloads are 20 ms (160 bytes) of mu-law; a few frames at most is plenty. */
const MAX_PAYLOAD_CHARS = 4096;
/**
 * Base64's alphabet: an agent's payload is forwarded to the caller as it came, inside a message built
 * as text, so a quote or backslash in it would change that message's structure.
 */
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * A `media` message exactly as Twilio writes it (its fields in its order, no spaces), payload captured.
 * Most of the relay's messages are these, so they are matched by this one anchored pattern instead of
 * being parsed: every field is checked as strictly as the full read checks it, or more (the payload's
 * alphabet and length, the streamSid's form), and no character of the message is left unchecked, so a
 * message it takes is one JSON.parse would read to the same payload. Anything else (another field
 * order, spaces, escapes, extra fields) is read the full way below.
 */
const TWILIO_MEDIA =
  /^\{"event":"media","sequenceNumber":"\d{1,10}","media":\{"track":"(?:inbound|outbound)","chunk":"\d{1,10}","timestamp":"\d{1,12}","payload":"([A-Za-z0-9+/]{0,4096}={0,2})"\},"streamSid":"MZ[0-9a-fA-F]{32}"\}$/;

function object(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

/** One message from Twilio, or null when it is not one the relay understands (it is then dropped). */
export function readMessage(text: string): IncomingMessage | null {
  const media = TWILIO_MEDIA.exec(text);
  // The full read's cap on the payload, its padding included (the pattern alone lets two more `=` through).
  if (media && media[1]!.length <= MAX_PAYLOAD_CHARS) return { event: 'media', payload: media[1]! };
  let parsed: Record<string, unknown> | null;
  try {
    parsed = object(JSON.parse(text));
  } catch {
    return null;
  }
  if (!parsed) return null;
  switch (parsed.event) {
    case 'connected':
      return { event: 'connected' };
    case 'media': {
      const payload = object(parsed.media)?.payload;
      return typeof payload === 'string' && payload.length <= MAX_PAYLOAD_CHARS && BASE64.test(payload) ? { event: 'media', payload } : null;
    }
    case 'dtmf': {
      const digit = object(parsed.dtmf)?.digit;
      return typeof digit === 'string' ? { event: 'dtmf', digit } : null;
    }
    case 'mark': {
      const name = object(parsed.mark)?.name;
      return typeof name === 'string' ? { event: 'mark', name } : null;
    }
    case 'stop':
      return { event: 'stop' };
    case 'start': {
      const start = object(parsed.start);
      const streamSid = start?.streamSid;
      const callSid = start?.callSid;
      if (typeof streamSid !== 'string' || !STREAM_SID.test(streamSid) || typeof callSid !== 'string' || !CALL_SID.test(callSid)) return null;
      return { event: 'start', streamSid, callSid, parameters: object(start?.customParameters) ?? {} };
    }
    default:
      return null;
  }
}

/** Base64 characters of one 20 ms frame (160 bytes): 53 groups of four and a last group "xx==". */
const FRAME_PAYLOAD_CHARS = 216;
const PAD = 0x3d;

/**
 * Whether a payload (already checked to be base64's alphabet, as `readMessage` checks it) is exactly
 * what encoding its 160 decoded bytes gives back: its length, its padding, and no stray bits in the last
 * character (whose value must then be a multiple of 16: A, Q, g or w). Such a payload can be forwarded
 * as it came instead of being encoded again, and the other leg receives the very bytes the relay decoded.
 */
export function isCanonicalFramePayload(payload: string): boolean {
  if (payload.length !== FRAME_PAYLOAD_CHARS || payload.charCodeAt(214) !== PAD || payload.charCodeAt(215) !== PAD) return false;
  const last = payload.charCodeAt(213);
  return last === 0x41 || last === 0x51 || last === 0x67 || last === 0x77;
}

/** A `media` message to a leg: the payload is base64 mu-law, built as text because it is sent fifty times a second. */
export function mediaMessage(streamSid: string, payload: string): string {
  return `{"event":"media","streamSid":"${streamSid}","media":{"payload":"${payload}"}}`;
}

/** A `mark` to a leg; `name` is the relay's own (`f` and a number), so it needs no escaping. */
export function markMessage(streamSid: string, name: string): string {
  return `{"event":"mark","streamSid":"${streamSid}","mark":{"name":"${name}"}}`;
}

export function clearMessage(streamSid: string): string {
  return `{"event":"clear","streamSid":"${streamSid}"}`;
}
