import twilio from 'twilio';
import { TwimlResponse } from '../../../src/phone/twimlWriter';

/** Text a caller, a flow author or an API client might put in a prompt, including markup and quotes. */
const HOSTILE = [
  'plain words',
  '',
  'Tom & Jerry <b>bold</b> "quoted" \'single\' > end',
  ']]> <![CDATA[ x ]]>',
  'tab\there, new\nline, return\r, &amp; already',
  'accents: dólares, céntimos; emoji 🎉; CJK 円',
  '</Say><Hangup/><Say>',
];
const URL = 'https://pay.example.test/voice/capture?turn=3&poll=1&x="<y>"';

/** Builds the same document with the twilio library and with the writer; both must be identical. */
function both(build: (r: Pick<TwimlResponse, 'say' | 'gather' | 'pause' | 'redirect' | 'play' | 'hangup'>) => void): [string, string] {
  const reference = new twilio.twiml.VoiceResponse();
  build(reference as never);
  const ours = new TwimlResponse();
  build(ours);
  return [ours.toString(), reference.toString()];
}

describe('the TwiML writer', () => {
  it('writes an empty response as VoiceResponse does', () => {
    const [ours, reference] = both(() => undefined);
    expect(ours).toBe(reference);
  });

  it.each(HOSTILE)('writes <Say> text and attributes as VoiceResponse does: %j', (text) => {
    const [ours, reference] = both((r) => {
      r.say({ language: 'en-US', voice: text }, text);
      r.say({ language: 'es-MX', voice: undefined }, text);
    });
    expect(ours).toBe(reference);
  });

  it.each(HOSTILE)('writes a <Gather> with a nested <Say> as VoiceResponse does: %j', (text) => {
    const [ours, reference] = both((r) => {
      r.say({ language: 'en-US' }, 'before');
      r.gather({ input: ['dtmf'], action: URL, method: 'POST', finishOnKey: '#', timeout: 17, actionOnEmptyResult: true, numDigits: 4 }).say({ language: 'en-US' }, text);
      r.gather({ input: ['dtmf', 'speech'], action: text, timeout: 9 });
    });
    expect(ours).toBe(reference);
  });

  it('writes <Pause>, <Redirect>, <Play> and <Hangup> as VoiceResponse does', () => {
    const [ours, reference] = both((r) => {
      r.pause({ length: 2 });
      r.redirect({ method: 'POST' }, URL);
      r.play({}, 'https://hold.example.test/music.mp3?a=1&b=2');
      r.hangup();
    });
    expect(ours).toBe(reference);
  });

  it.each(['nul \u0000 here', 'bell \u0007', 'lone surrogate \uD800 x', 'not a char \uFFFE'])('refuses characters XML cannot carry, as VoiceResponse does: %j', (text) => {
    expect(() => new twilio.twiml.VoiceResponse().say({}, text)).toThrow();
    expect(() => new TwimlResponse().say({}, text)).toThrow(/Invalid character in TwiML text at index \d+/);
  });

  it('does not repeat the refused text in its error', () => {
    expect(() => new TwimlResponse().say({}, '4242424242424242\u0000')).toThrow(expect.objectContaining({ message: expect.not.stringContaining('4242') }));
  });
});
