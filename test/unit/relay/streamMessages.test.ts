import { mediaMessage, readMessage } from '../../../src/relay/streamMessages';

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
