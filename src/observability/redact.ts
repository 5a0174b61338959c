import winston from 'winston';
import { validate as passesLuhn } from 'luhn';
import { LEVEL } from 'triple-beam';

const REDACTED = '[REDACTED]';
const REDACTED_PAN = '[REDACTED-PAN]';

const SENSITIVE_KEYS: readonly string[] = [
  'digits',
  'cardnumber',
  'card_number',
  'number',
  'pan',
  'cvc',
  'cvv',
  'csc',
  'securitycode',
  'security_code',
  'expiry',
  'expiration',
  'exp',
  'expmonth',
  'expyear',
  'exp_month',
  'exp_year',
  // The billing postal code is card data here: a short, guessable number.
  'postalcode',
  'postal_code',
  'zip',
  'zipcode',
  'zip_code',
  // A bank debit's account: no check digit makes its numbers recognisable by value, so by name.
  'routingnumber',
  'routing_number',
  'accountnumber',
  'account_number',
  'accountnumberagain',
  'password',
  'authorization',
  'cookie',
  'x-twilio-signature',
  'token',
  'apikey',
  'api_key',
  'vaultkey',
];
const SENSITIVE_KEY_SET: ReadonlySet<string> = new Set(SENSITIVE_KEYS);

const PAN_MIN_DIGITS = 12;
const PAN_MAX_DIGITS = 19;

// Keypad entry read back, copied from a form or typed by an agent comes grouped as
// "4242 4242 4242 4242" or "4242-4242-4242-4242" as often as it comes unbroken.
const DIGIT_RUN = /\d(?:[ -]?\d)*/g;

// The names hold only letters, `_` and `-`, none of which needs escaping in a pattern.
const keyAlternation = SENSITIVE_KEYS.join('|');

/**
 * `Digits=1230` in a query string, form body or free text. The lookbehind stops
 * `ApiToken=` or `SpeechNumber=` from matching as `token=` / `number=` while still
 * catching the key at the start of a string or after `?`, `&`, whitespace or punctuation.
 */
const FORM_FIELD = new RegExp(`(?<![A-Za-z0-9_-])(${keyAlternation})=[^&#\\s"',;<>(){}]*`, 'gi');

/** `"cvc":"123"` in a JSON body that was logged as a string (for example via `%j`). */
const JSON_FIELD = new RegExp(
  `("(?:${keyAlternation})"\\s*:\\s*)(?:"(?:[^"\\\\]|\\\\.)*"|-?[0-9][0-9.eE+-]*|true|false)`,
  'gi',
);

function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEY_SET.has(key.toLowerCase());
}

/**
 * Within one run of digit groups, replaces every span of whole groups that looks like a
 * PAN. Checking spans rather than only the whole run matters because callers and code
 * often put the expiry or security code right after the number ("4242 4242 4242 4242 1230"),
 * which makes the run too long to be a PAN on its own.
 */
function redactDigitRun(run: string): string {
  const groups = run.split(/[ -]/);
  const separators = run.match(/[ -]/g) ?? [];
  const lengths = groups.map((g) => g.length);
  const parts: string[] = [];
  let i = 0;
  while (i < groups.length) {
    let matchedEnd = -1;
    let total = 0;
    let j = i;
    for (; j < groups.length && total + (lengths[j] ?? 0) <= PAN_MAX_DIGITS; j++) {
      total += lengths[j] ?? 0;
    }
    // Longest candidate first so a full 16-digit number wins over a 12-digit prefix of it.
    for (let end = j - 1; end >= i; end--) {
      if (total >= PAN_MIN_DIGITS && passesLuhn(groups.slice(i, end + 1).join(''))) {
        matchedEnd = end;
        break;
      }
      total -= lengths[end] ?? 0;
    }
    if (matchedEnd >= 0) {
      parts.push(REDACTED_PAN);
      i = matchedEnd + 1;
    } else {
      parts.push(groups[i] ?? '');
      i += 1;
    }
    if (i < groups.length) parts.push(separators[i - 1] ?? '');
  }
  return parts.join('');
}

function redactString(text: string): string {
  // PANs go first so that a spaced number after `Digits=` is removed whole rather than
  // leaving the groups after the first space visible.
  return text
    .replace(DIGIT_RUN, redactDigitRun)
    .replace(FORM_FIELD, (_match, key: string) => `${key}=${REDACTED}`)
    .replace(JSON_FIELD, (_match, prefix: string) => `${prefix}"${REDACTED}"`);
}

/** A PAN that went through a naive number parse still prints as the same digits in JSON. */
function redactInteger(digits: string): string | undefined {
  return digits.length >= PAN_MIN_DIGITS && digits.length <= PAN_MAX_DIGITS && passesLuhn(digits)
    ? REDACTED_PAN
    : undefined;
}

function defineOwn(target: object, key: string | symbol, value: unknown, enumerable = true): void {
  // defineProperty rather than assignment so a `__proto__` key from a parsed request body
  // stays an ordinary property instead of swapping the copy's prototype.
  Object.defineProperty(target, key, { value, enumerable, writable: true, configurable: true });
}

function readProperty(source: object, key: string | symbol): unknown {
  try {
    return (source as Record<string | symbol, unknown>)[key];
  } catch {
    return '[Unreadable]';
  }
}

type Ancestors = Set<object>;

function redactProperty(key: string, value: unknown, ancestors: Ancestors): unknown {
  return isSensitiveKey(key) ? REDACTED : redactValue(value, ancestors);
}

function redactValue(value: unknown, ancestors: Ancestors): unknown {
  switch (typeof value) {
    case 'string':
      return redactString(value);
    case 'number':
      return Number.isInteger(value) ? (redactInteger(Math.abs(value).toFixed(0)) ?? value) : value;
    case 'bigint':
      return redactInteger((value < 0n ? -value : value).toString()) ?? value;
    case 'object':
      return value === null ? null : redactObject(value, ancestors);
    default:
      return value;
  }
}

function redactObject(value: object, ancestors: Ancestors): unknown {
  // Only the current path counts: the same object reached twice through siblings is not a cycle.
  if (ancestors.has(value)) return '[Circular]';
  if (value instanceof Date) return new Date(value.getTime());
  // Raw bytes are not worth the risk: a request body buffer holds `Digits=...` as ASCII,
  // and JSON would print each byte as a number that no text pattern can recognise.
  if (ArrayBuffer.isView(value)) return `[${value.constructor.name} ${value.byteLength} bytes]`;
  if (value instanceof ArrayBuffer || value instanceof SharedArrayBuffer) {
    return `[${value.constructor.name} ${value.byteLength} bytes]`;
  }

  ancestors.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => redactValue(item, ancestors));
    if (value instanceof Map) return redactMap(value, ancestors);
    if (value instanceof Set) return new Set([...value].map((item) => redactValue(item, ancestors)));
    if (value instanceof Error) return redactError(value, ancestors);

    const toJSON = readProperty(value, 'toJSON');
    if (typeof toJSON === 'function') {
      // Whatever toJSON returns is what the log line would show (a URL's href with its
      // query string, for instance), so that is what needs redacting.
      let serialised: unknown;
      try {
        serialised = (toJSON as (this: object) => unknown).call(value);
      } catch {
        return '[Unserialisable]';
      }
      return redactValue(serialised, ancestors);
    }

    const copy: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      defineOwn(copy, redactString(key), redactProperty(key, readProperty(value, key), ancestors));
    }
    return copy;
  } finally {
    ancestors.delete(value);
  }
}

function redactMap(map: Map<unknown, unknown>, ancestors: Ancestors): Map<unknown, unknown> {
  const copy = new Map<unknown, unknown>();
  for (const [key, item] of map) {
    copy.set(
      redactValue(key, ancestors),
      typeof key === 'string' ? redactProperty(key, item, ancestors) : redactValue(item, ancestors),
    );
  }
  return copy;
}

/**
 * Keeps the copy an Error of the same class with the same enumerability as the original,
 * so winston's own Error handling (which copies only enumerable fields from splat
 * arguments and reads `message`/`stack` directly) behaves exactly as it would unredacted.
 */
function redactError(error: Error, ancestors: Ancestors): Error {
  const copy = Object.create(Object.getPrototypeOf(error) as object | null) as Error;
  for (const key of Object.getOwnPropertyNames(error)) {
    const enumerable = Object.getOwnPropertyDescriptor(error, key)?.enumerable ?? false;
    defineOwn(copy, key, redactProperty(key, readProperty(error, key), ancestors), enumerable);
  }
  return copy;
}

/** Returns a deep copy of `value` with card data, credentials and other secrets replaced by markers. */
export function redact(value: unknown): unknown {
  return redactValue(value, new Set());
}

const redactInfo = winston.format((info) => {
  const ancestors: Ancestors = new Set([info]);
  const copy: Record<string | symbol, unknown> = {};
  for (const key of Object.keys(info)) {
    defineOwn(copy, redactString(key), redactProperty(key, readProperty(info, key), ancestors));
  }
  // `logger.error(err)` hands winston the Error itself as `info`; its message and stack are
  // non-enumerable, so they would otherwise vanish from the line rather than be redacted.
  if (info instanceof Error) {
    for (const key of ['message', 'stack', 'cause'] as const) {
      if (!Object.prototype.propertyIsEnumerable.call(info, key) && info[key] !== undefined) {
        defineOwn(copy, key, redactValue(info[key], ancestors));
      }
    }
  }
  for (const symbol of Object.getOwnPropertySymbols(info)) {
    const raw = readProperty(info, symbol);
    defineOwn(copy, symbol, symbol === LEVEL ? raw : redactValue(raw, ancestors));
  }
  return copy as winston.Logform.TransformableInfo;
});

/** Winston format that redacts every field of a log entry, including `message` and splat arguments. */
export function redactFormat(): winston.Logform.Format {
  return redactInfo();
}
