import twilio from 'twilio';
import { parseTwiml, TwimlError } from '../../../src/cli/twiml';

describe('parseTwiml', () => {
  it('reads the verbs in document order, with Twilio attributes and the Says inside a Gather', () => {
    const response = new twilio.twiml.VoiceResponse();
    response.say({ voice: 'Polly.Joanna', language: 'en-US' }, 'Welcome & thanks');
    response.pause({ length: 2 });
    const gather = response.gather({
      input: ['dtmf'],
      action: 'https://gw.example/voice/capture?step=card&try=2',
      method: 'POST',
      finishOnKey: '#',
      timeout: 15,
      actionOnEmptyResult: true,
      numDigits: 6,
    });
    gather.say('Enter your pay code.');
    gather.say('Then press pound.');
    response.redirect({ method: 'POST' }, 'https://gw.example/voice/next?a=1&b=2');
    response.hangup();

    expect(parseTwiml(response.toString())).toEqual([
      { verb: 'say', text: 'Welcome & thanks', voice: 'Polly.Joanna', language: 'en-US' },
      { verb: 'pause', seconds: 2 },
      {
        verb: 'gather',
        action: 'https://gw.example/voice/capture?step=card&try=2',
        method: 'POST',
        finishOnKey: '#',
        timeout: 15,
        numDigits: 6,
        actionOnEmptyResult: true,
        prompts: ['Enter your pay code.', 'Then press pound.'],
      },
      { verb: 'redirect', url: 'https://gw.example/voice/next?a=1&b=2', method: 'POST' },
      { verb: 'hangup' },
    ]);
  });

  it("fills in Twilio's defaults for attributes the document leaves out", () => {
    const xml =
      '<Response><Gather><Say>Press a key.</Say></Gather><Pause/><Redirect>/voice/again</Redirect></Response>';
    expect(parseTwiml(xml)).toEqual([
      {
        verb: 'gather',
        action: '',
        method: 'POST',
        finishOnKey: '#',
        timeout: 5,
        actionOnEmptyResult: false,
        prompts: ['Press a key.'],
      },
      { verb: 'pause', seconds: 1 },
      { verb: 'redirect', url: '/voice/again', method: 'POST' },
    ]);
  });

  it('keeps an explicitly empty finishOnKey, which turns finishing by key off', () => {
    const [gather] = parseTwiml('<Response><Gather finishOnKey="" numDigits="4"/></Response>');
    expect(gather).toMatchObject({ verb: 'gather', finishOnKey: '', numDigits: 4 });
  });

  it('reads the words of a Say that wraps SSML', () => {
    const xml = '<Response><Say>Your code is <prosody rate="slow">1, 2, 3</prosody>.</Say></Response>';
    expect(parseTwiml(xml)).toEqual([{ verb: 'say', text: 'Your code is 1, 2, 3.' }]);
  });

  it('ignores the indentation of a pretty-printed document', () => {
    const xml = `<?xml version="1.0"?>
<Response>
  <Say>
    Hello there.
  </Say>
  <Redirect method="POST">
    https://gw.example/voice/next
  </Redirect>
</Response>
`;
    expect(parseTwiml(xml)).toEqual([
      { verb: 'say', text: 'Hello there.' },
      { verb: 'redirect', url: 'https://gw.example/voice/next', method: 'POST' },
    ]);
  });

  it('names verbs it does not play instead of dropping them', () => {
    const xml = '<?xml version="1.0"?><Response><Play>https://x/a.mp3</Play><Dial>+15005550006</Dial></Response>';
    expect(parseTwiml(xml)).toEqual([
      { verb: 'unknown', name: 'Play' },
      { verb: 'unknown', name: 'Dial' },
    ]);
  });

  it('reads an empty Response as no verbs', () => {
    expect(parseTwiml('<Response/>')).toEqual([]);
    expect(parseTwiml(new twilio.twiml.VoiceResponse().toString())).toEqual([]);
  });

  it.each([
    ['HTML', '<html><body>Oops</body></html>'],
    ['plain text', 'Internal Server Error'],
    ['broken XML', '<Response><Say>unclosed</Response>'],
  ])('rejects %s', (_what, body) => {
    expect(() => parseTwiml(body)).toThrow(TwimlError);
  });
});
