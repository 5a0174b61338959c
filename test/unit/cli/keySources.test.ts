import { PassThrough, Writable } from 'node:stream';
import {
  collectKeys,
  interactiveKeys,
  keypadReadline,
  parseKeyScript,
  parseKeyToken,
  scriptedKeys,
} from '../../../src/cli/keySources';
import type { GatherVerb } from '../../../src/cli/twiml';

function gather(overrides: Partial<GatherVerb> = {}): GatherVerb {
  return {
    verb: 'gather',
    action: 'https://gw.example/voice/capture',
    method: 'POST',
    finishOnKey: '#',
    timeout: 10,
    actionOnEmptyResult: true,
    prompts: [],
    ...overrides,
  };
}

function capture(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

describe('parseKeyToken', () => {
  it.each([
    ['4242424242424242#', { digits: '4242424242424242', finishedOnKey: '#' }],
    ['1230', { digits: '1230', finishedOnKey: '' }],
    ['*', { digits: '*', finishedOnKey: '' }],
    ['#', { digits: '', finishedOnKey: '#' }],
    ['-', { digits: '', finishedOnKey: '' }],
  ])('reads %s', (token, press) => {
    expect(parseKeyToken(token)).toEqual(press);
  });

  it('reads HANGUP in any case', () => {
    expect(parseKeyToken('HANGUP')).toBe('hangup');
    expect(parseKeyToken('hangup')).toBe('hangup');
  });

  it.each(['', '12a4', '12#34', '##', 'PAYCODE'])('refuses %p', (token) => {
    expect(parseKeyToken(token)).toBeNull();
  });
});

describe('parseKeyScript', () => {
  it('splits on whitespace, commas and newlines and drops // comments', () => {
    const script = `
      // pay code first
      123456#, 4242424242424242#   // the card
      1230,123
      -  HANGUP
    `;
    expect(parseKeyScript(script)).toEqual(['123456#', '4242424242424242#', '1230', '123', '-', 'HANGUP']);
  });

  it('reads an empty script as no tokens', () => {
    expect(parseKeyScript('  // nothing to type\n')).toEqual([]);
  });
});

describe('scriptedKeys', () => {
  it('answers one token per Gather and hangs up when the tokens run out', async () => {
    const keys = scriptedKeys(['123456#', '-', '1']);
    await expect(keys.next(gather())).resolves.toEqual({ digits: '123456', finishedOnKey: '#' });
    await expect(keys.next(gather())).resolves.toEqual({ digits: '', finishedOnKey: '' });
    await expect(keys.next(gather())).resolves.toEqual({ digits: '1', finishedOnKey: '' });
    await expect(keys.next(gather())).resolves.toBe('hangup');
    await expect(keys.next(gather())).resolves.toBe('hangup');
  });

  it('hangs up at HANGUP', async () => {
    const keys = scriptedKeys(['HANGUP', '1']);
    await expect(keys.next(gather())).resolves.toBe('hangup');
  });

  it('refuses a script with a bad token before the call starts, naming it', () => {
    expect(() => scriptedKeys(['123456#', '42x'])).toThrow(/token 2 \("42x"\)/);
  });
});

describe('collectKeys', () => {
  it('posts the digits and the finish key the caller pressed', () => {
    expect(collectKeys({ digits: '4242424242424242', finishedOnKey: '#' }, gather())).toEqual({
      digits: '4242424242424242',
      finishedOnKey: '#',
    });
    expect(collectKeys({ digits: '1230', finishedOnKey: '' }, gather())).toEqual({ digits: '1230', finishedOnKey: '' });
  });

  it('sends only numDigits keys of a longer entry, with a warning that names no digits', () => {
    const input = collectKeys({ digits: '4242424242424242', finishedOnKey: '#' }, gather({ numDigits: 4 }));
    expect(input).toMatchObject({ digits: '4242', finishedOnKey: '' });
    expect(input.warning).toMatch(/takes 4 key/);
    expect(input.warning).not.toMatch(/4242/);
  });

  it('does not warn when the entry fills numDigits and then presses the finish key', () => {
    expect(collectKeys({ digits: '123456', finishedOnKey: '#' }, gather({ numDigits: 6 }))).toEqual({
      digits: '123456',
      finishedOnKey: '',
    });
  });

  it('keeps # as a key when the Gather has no finish key', () => {
    expect(collectKeys({ digits: '12', finishedOnKey: '#' }, gather({ finishOnKey: '' }))).toEqual({
      digits: '12#',
      finishedOnKey: '',
    });
  });

  it('stops at another finish key and warns about the keys after it', () => {
    const input = collectKeys({ digits: '12*34', finishedOnKey: '#' }, gather({ finishOnKey: '*' }));
    expect(input).toMatchObject({ digits: '12', finishedOnKey: '*' });
    expect(input.warning).toMatch(/3 key/);
  });

  it('posts nothing pressed as empty digits', () => {
    expect(collectKeys({ digits: '', finishedOnKey: '' }, gather({ numDigits: 6 }))).toEqual({
      digits: '',
      finishedOnKey: '',
    });
  });
});

describe('interactiveKeys', () => {
  it('reads a line per Gather: keys, silence, spaced card numbers and hangup', async () => {
    const input = new PassThrough();
    const readline = keypadReadline(input, capture().stream);
    const notices: string[] = [];
    const keys = interactiveKeys(readline, (message) => notices.push(message));

    // Lines typed ahead of the prompts wait for their Gather.
    input.write('123456#\n\n4242 4242 4242 4242#\nnope\n1\nhangup\n');
    await expect(keys.next(gather())).resolves.toEqual({ digits: '123456', finishedOnKey: '#' });
    await expect(keys.next(gather())).resolves.toEqual({ digits: '', finishedOnKey: '' });
    await expect(keys.next(gather())).resolves.toEqual({ digits: '4242424242424242', finishedOnKey: '#' });
    await expect(keys.next(gather())).resolves.toEqual({ digits: '1', finishedOnKey: '' });
    expect(notices).toHaveLength(1);
    await expect(keys.next(gather())).resolves.toBe('hangup');
    readline.close();
  });

  it('takes the end of input (Ctrl-D) as hanging up, also for a Gather already waiting', async () => {
    const input = new PassThrough();
    const readline = keypadReadline(input, capture().stream);
    const keys = interactiveKeys(readline);
    const waiting = keys.next(gather());
    input.end();
    await expect(waiting).resolves.toBe('hangup');
    await expect(keys.next(gather())).resolves.toBe('hangup');
  });
});

describe('keypadReadline', () => {
  it('echoes digits typed on a terminal as bullets', async () => {
    const input = Object.assign(new PassThrough(), { isTTY: true });
    const terminal = capture();
    const readline = keypadReadline(input, terminal.stream);
    const keys = interactiveKeys(readline);

    const press = keys.next(gather());
    input.write('4242424242424242#\r');
    await expect(press).resolves.toEqual({ digits: '4242424242424242', finishedOnKey: '#' });
    readline.close();

    expect(terminal.text()).toContain('keys> ');
    expect(terminal.text()).toContain('••••••••••••••••#');
    expect(terminal.text()).not.toMatch(/\d{4}/);
  });
});
