import { createInterface, type Interface as Readline } from 'node:readline';
import { Writable } from 'node:stream';
import type { GatherVerb } from './twiml';

/** What the caller pressed at one Gather: the keys, and whether they ended with #. */
export interface KeyPress {
  digits: string;
  finishedOnKey: '#' | '';
}

/** Plays the caller at each Gather: the keys they press, or hanging up. */
export interface KeySource {
  next(gather: GatherVerb): Promise<KeyPress | 'hangup'>;
}

/** What Twilio posts for a Gather (its Digits and FinishedOnKey), with a note when keys were dropped. */
export interface GatherInput {
  digits: string;
  finishedOnKey: string;
  warning?: string;
}

const SILENCE: KeyPress = { digits: '', finishedOnKey: '' };
const KEYS = /^[0-9*]*#?$/;

/** Reads one token of a key script: `4242#`, `1230`, `-` (silence) or `HANGUP`; null when it is none of those. */
export function parseKeyToken(token: string): KeyPress | 'hangup' | null {
  if (token === '-') return SILENCE;
  if (token.toUpperCase() === 'HANGUP') return 'hangup';
  if (token === '' || !KEYS.test(token)) return null;
  return token.endsWith('#')
    ? { digits: token.slice(0, -1), finishedOnKey: '#' }
    : { digits: token, finishedOnKey: '' };
}

/** Splits a key script into tokens: separated by whitespace, commas or newlines, with `//` comments ignored. */
export function parseKeyScript(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.replace(/\/\/.*$/, ''))
    .join('\n')
    .split(/[\s,]+/)
    .filter((token) => token !== '');
}

/** A caller who follows a script, one token per Gather, and hangs up when the script runs out. */
export function scriptedKeys(tokens: readonly string[]): KeySource {
  // Every token is checked before the call starts, so a typo fails fast instead of halfway through a call.
  const presses = tokens.map((token, index) => {
    const press = parseKeyToken(token);
    if (press === null) {
      throw new Error(
        `key script token ${index + 1} ("${token}") is not keypad keys (0-9, *, a final #), "-" or HANGUP`,
      );
    }
    return press;
  });
  let position = 0;
  return {
    next: async () => presses[position++] ?? 'hangup',
  };
}

/** What Twilio posts for what the caller pressed: a Gather stops at its finish key or once numDigits keys are in. */
export function collectKeys(press: KeyPress, gather: GatherVerb): GatherInput {
  const keys = Array.from(press.digits + press.finishedOnKey);
  let digits = '';
  for (const [index, key] of keys.entries()) {
    if (gather.finishOnKey !== '' && key === gather.finishOnKey) {
      const dropped = keys.length - index - 1;
      return {
        digits,
        finishedOnKey: key,
        ...(dropped > 0 && { warning: `the Gather ends at "${key}": ${dropped} key(s) typed after it were not sent` }),
      };
    }
    digits += key;
    const limit = gather.numDigits;
    if (limit !== undefined && digits.length >= limit) {
      // A finish key right after a full numDigits entry is harmless; only extra digits are worth a warning.
      const dropped = press.digits.length - digits.length;
      return {
        digits,
        finishedOnKey: '',
        ...(dropped > 0 && { warning: `this Gather takes ${limit} key(s): ${dropped} more typed, not sent` }),
      };
    }
  }
  return { digits, finishedOnKey: '' };
}

/** Reads one line typed at the terminal; spaces and dashes inside a card number are allowed. */
function parseTypedLine(line: string): KeyPress | 'hangup' | null {
  const trimmed = line.trim();
  if (trimmed === '') return SILENCE;
  if (trimmed.toLowerCase() === 'hangup') return 'hangup';
  return parseKeyToken(trimmed.replace(/[\s-]+/g, ''));
}

/** A caller at the terminal: a line per Gather, an empty line is silence, `hangup` or Ctrl-D hangs up. */
export function interactiveKeys(readline: Readline, notice: (message: string) => void = () => {}): KeySource {
  const typed: string[] = [];
  const waiting: ((line: string | null) => void)[] = [];
  let closed = false;
  // Piped input can deliver lines before a Gather asks for them, so they queue instead of being lost.
  readline.on('line', (line) => {
    const waiter = waiting.shift();
    if (waiter) waiter(line);
    else typed.push(line);
  });
  readline.on('close', () => {
    closed = true;
    for (const waiter of waiting.splice(0)) waiter(null);
  });
  const readLine = (): Promise<string | null> => {
    const line = typed.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (closed) return Promise.resolve(null);
    return new Promise((resolve) => waiting.push(resolve));
  };
  return {
    async next() {
      for (;;) {
        readline.setPrompt('keys> ');
        readline.prompt();
        const line = await readLine();
        if (line === null) return 'hangup';
        const press = parseTypedLine(line);
        if (press !== null) return press;
        // Asking again beats guessing what a mistyped line meant.
        notice('not keypad keys: type 0-9 and *, end with # to press pound, an empty line for silence, or "hangup"');
      }
    },
  };
}

// Digits become bullets; terminal control sequences (which contain digits too) pass through untouched.
const ECHOED_DIGIT = /(\x1b\[[0-9;?]*[A-Za-z])|[0-9]/g;

/** A readline for typing keys whose terminal echo shows digits as bullets, so a typed card never shows on screen. */
export function keypadReadline(input: NodeJS.ReadableStream, terminal: NodeJS.WritableStream): Readline {
  if ((input as { isTTY?: boolean }).isTTY !== true) {
    return createInterface({ input, terminal: false });
  }
  const maskedEcho = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      terminal.write(String(chunk).replace(ECHOED_DIGIT, (match, control: string | undefined) => control ?? '•'));
      done();
    },
  });
  const readline = createInterface({ input, output: maskedEcho, terminal: true });
  // In raw mode Ctrl-C reaches readline instead of ending the process; closing makes it hang up the call.
  readline.on('SIGINT', () => {
    terminal.write('^C\n');
    readline.close();
  });
  return readline;
}
