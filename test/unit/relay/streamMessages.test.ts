import { randomBytes } from 'node:crypto';
import { isCanonicalFramePayload, mediaMessage, readMessage } from '../../../src/relay/streamMessages';

describe('readMessage: media payloads', () => {
  const media = (payload: string) => JSON.stringify({ event: 'media', streamSid: 'MZ' + '0'.repeat(32), media: { payload } });

  it('takes a base64 payload as it came', () => {
    const payload = Buffer.alloc(160, 0xff).toString('base64');
    expect(readMessage(media(payload))).toEqual({ event: 'media', payload });
  });

  it.each([
    ['a quote', 'AAAA","track":"inbound'],
    ['a backslash', 'AAAA\\u0022'],
    ['a space', 'AAAA AAAA'],
    ['padding in the middle', 'AA==AAAA'],
  ])('drops a payload holding %s, which would change the message it is forwarded in', (_name, payload) => {
    expect(readMessage(media(payload))).toBeNull();
  });

  it('builds forwarded media messages that parse back to the same payload', () => {
    const payload = Buffer.from([1, 2, 3, 250, 251]).toString('base64');
    const text = mediaMessage('MZ' + 'a'.repeat(32), payload);
    expect(JSON.parse(text)).toEqual({ event: 'media', streamSid: 'MZ' + 'a'.repeat(32), media: { payload } });
  });
});

describe('readMessage: media as Twilio writes it', () => {
  const streamSid = 'MZ' + 'a1'.repeat(16);
  /** Twilio's own field order and spacing: the shape read without JSON.parse. */
  const twilio = (payload: string, sid = streamSid) =>
    `{"event":"media","sequenceNumber":"4","media":{"track":"inbound","chunk":"3","timestamp":"40","payload":"${payload}"},"streamSid":"${sid}"}`;
  const frame = () => randomBytes(160).toString('base64');

  it('reads the payload of Twilio\'s shape exactly as JSON.parse reads it', () => {
    for (let index = 0; index < 50; index += 1) {
      const text = twilio(frame());
      expect(readMessage(text)).toEqual({ event: 'media', payload: (JSON.parse(text) as { media: { payload: string } }).media.payload });
    }
    expect(readMessage(twilio(''))).toEqual({ event: 'media', payload: '' });
    expect(readMessage(twilio('A'.repeat(4096)))).toEqual({ event: 'media', payload: 'A'.repeat(4096) });
  });

  it('reads any other form of a media message the full way, with the same result', () => {
    const payload = frame();
    const forms = [
      JSON.stringify({ event: 'media', streamSid, media: { payload } }),
      twilio(payload).replace('"sequenceNumber":"4",', ''),
      twilio(payload).replace('{"event":"media",', '{ "event": "media", '),
      twilio(payload).replace('"track":"inbound"', '"track":"inbound_track"'),
      twilio(payload, 'MZ-not-a-stream-sid'),
      twilio(payload) + '\n',
      // A later duplicate wins in JSON: the pattern must not take the first one.
      twilio('AAAA').replace('"},"streamSid"', `","payload":"${payload}"},"streamSid"`),
    ];
    for (const text of forms) expect(readMessage(text)).toEqual({ event: 'media', payload });
  });

  it('drops what the full read drops, in Twilio\'s shape too', () => {
    for (const text of [
      twilio('A'.repeat(4097)),
      twilio('AAAA==='),
      twilio('AAAA\\u0022'),
      twilio('AA==AAAA'),
      twilio(frame()) + 'x',
      twilio(frame()).slice(0, -1),
    ]) {
      expect(readMessage(text)).toBeNull();
    }
  });
});

describe('isCanonicalFramePayload', () => {
  /** The definition: the payload is what encoding its decoded 160 bytes gives back. */
  const roundTrips = (payload: string) => {
    const bytes = Buffer.from(payload, 'base64');
    return bytes.length === 160 && bytes.toString('base64') === payload;
  };

  it('holds exactly for the payloads that survive a decode and encode unchanged', () => {
    const payloads: string[] = [];
    for (let index = 0; index < 200; index += 1) {
      const canonical = randomBytes(160).toString('base64');
      payloads.push(canonical);
      // Stray bits in the last character: every character the alphabet has there.
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
      payloads.push(canonical.slice(0, 213) + alphabet[index % 64]! + '==');
      payloads.push(canonical.slice(0, 214));
      payloads.push(canonical.slice(0, 214) + '=');
      payloads.push(canonical.slice(0, 212) + '====');
    }
    payloads.push(randomBytes(159).toString('base64'), randomBytes(161).toString('base64'), randomBytes(320).toString('base64'), '');
    for (const payload of payloads) expect([payload, isCanonicalFramePayload(payload)]).toEqual([payload, roundTrips(payload)]);
  });
});
