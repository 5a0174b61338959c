import { redact } from '../../../src/observability/redact';

const VISA = '4242424242424242';
const AMEX = '378282246310005';

describe('redact', () => {
  describe('sensitive property names', () => {
    const names = [
      'Digits',
      'cardNumber',
      'card_number',
      'number',
      'PAN',
      'cvc',
      'CVV',
      'csc',
      'securityCode',
      'security_code',
      'expiry',
      'expiration',
      'exp',
      'expMonth',
      'expYear',
      'exp_month',
      'exp_year',
      'postalCode',
      'postal_code',
      'zip',
      'zipCode',
      'zip_code',
      'password',
      'Authorization',
      'Cookie',
      'X-Twilio-Signature',
      'token',
      'apiKey',
      'api_key',
      'vaultKey',
    ];

    it.each(names)('replaces the value of %s but keeps the key', (name) => {
      expect(redact({ [name]: '1230', other: 'kept' })).toEqual({ [name]: '[REDACTED]', other: 'kept' });
    });

    it('replaces whole structures held under a sensitive name, not just strings', () => {
      expect(redact({ card: { number: { first: '4242', rest: '424242424242' }, exp: 1230 } })).toEqual({
        card: { number: '[REDACTED]', exp: '[REDACTED]' },
      });
    });

    it('never shows the digits of a whole Twilio Gather request body', () => {
      const body = { CallSid: 'CA1', From: '+14155550100', Digits: VISA };
      const result = redact(body);
      expect(result).toEqual({ CallSid: 'CA1', From: '+14155550100', Digits: '[REDACTED]' });
      expect(JSON.stringify(result)).not.toContain(VISA);
    });

    it('leaves ordinary property names alone', () => {
      const fields = { callSid: 'CA1', paymentId: 'pay_1', amount: 1250, currency: 'usd', step: 'expiry-entry' };
      expect(redact(fields)).toEqual(fields);
    });
  });

  describe('card numbers inside strings', () => {
    it.each([
      ['unbroken', `card ${VISA} entered`],
      ['grouped by spaces', 'card 4242 4242 4242 4242 entered'],
      ['grouped by dashes', 'card 4242-4242-4242-4242 entered'],
      ['fifteen-digit Amex', 'card 3782 822463 10005 entered'],
    ])('replaces a Luhn-valid number written %s', (_label, text) => {
      expect(redact(text)).toBe('card [REDACTED-PAN] entered');
    });

    it('replaces every card number in a string, wherever it sits', () => {
      expect(redact(`${VISA},${AMEX}:4000000000000002`)).toBe('[REDACTED-PAN],[REDACTED-PAN]:[REDACTED-PAN]');
    });

    it('separates a card number from the expiry and code typed straight after it', () => {
      expect(redact('got 4242 4242 4242 4242 1230 123')).toBe('got [REDACTED-PAN] 1230 123');
    });

    it('keeps a number that fails the Luhn check, so only plausible cards are hidden', () => {
      expect(redact('ref 4242424242424241')).toBe('ref 4242424242424241');
    });

    it.each([
      ['a 10-digit phone number', 'calling 4155550100 now'],
      ['an E.164 phone number', 'calling +14155550100 now'],
      ['a 6-digit pay code', 'pay code 482913 accepted'],
      ['a 10-digit reference', 'reference 7319024658 created'],
      ['a year', 'expires 2030'],
      ['an ISO timestamp', 'at 2030-01-31T12:34:56.789Z'],
    ])('does not touch %s', (_label, text) => {
      expect(redact(text)).toBe(text);
    });

    it('replaces a card number held as a number, since JSON prints it as the same digits', () => {
      expect(redact({ amount: 1250, value: Number(VISA), big: BigInt(AMEX) })).toEqual({
        amount: 1250,
        value: '[REDACTED-PAN]',
        big: '[REDACTED-PAN]',
      });
    });
  });

  describe('query strings and form bodies inside strings', () => {
    it('replaces the Digits field of a form body and keeps the other fields', () => {
      expect(redact('CallSid=CA1&Digits=1230&From=%2B14155550100')).toBe(
        'CallSid=CA1&Digits=[REDACTED]&From=%2B14155550100',
      );
    });

    it('replaces sensitive fields of a URL query string, whatever their case', () => {
      expect(redact('POST /voice/capture?step=cvc&digits=123&token=abc')).toBe(
        'POST /voice/capture?step=cvc&digits=[REDACTED]&token=[REDACTED]',
      );
    });

    it('hides a spaced card number after Digits= entirely', () => {
      expect(redact('Digits=4242 4242 4242 4242 received')).toBe('Digits=[REDACTED] received');
    });

    it('does not mistake a longer field name for a sensitive one', () => {
      expect(redact('SpeechNumber=5&ApiTokenCount=2')).toBe('SpeechNumber=5&ApiTokenCount=2');
    });

    it('replaces sensitive fields of a JSON body logged as a string', () => {
      expect(redact('{"CallSid":"CA1","cvc":"123","exp":1230}')).toBe(
        '{"CallSid":"CA1","cvc":"[REDACTED]","exp":"[REDACTED]"}',
      );
    });
  });

  describe('structures', () => {
    it('redacts nested objects and arrays without changing the input', () => {
      const input = {
        call: { sid: 'CA1', history: [{ step: 'card', note: `heard ${VISA}` }, ['x', { cvv: '123' }]] },
      };
      const snapshot = JSON.parse(JSON.stringify(input)) as unknown;

      expect(redact(input)).toEqual({
        call: { sid: 'CA1', history: [{ step: 'card', note: 'heard [REDACTED-PAN]' }, ['x', { cvv: '[REDACTED]' }]] },
      });
      expect(input).toEqual(snapshot);
    });

    it('copies an Error with its class, redacting message, stack, cause and extra fields', () => {
      class DeclineError extends Error {
        code = 'card_declined';
        detail = `declined ${VISA}`;
      }
      const error = new DeclineError(`processor rejected ${VISA}`, { cause: new Error(`upstream ${AMEX}`) });

      const copy = redact(error) as DeclineError;

      expect(copy).toBeInstanceOf(DeclineError);
      expect(copy).not.toBe(error);
      expect(copy.message).toBe('processor rejected [REDACTED-PAN]');
      expect(copy.stack).toContain('processor rejected [REDACTED-PAN]');
      expect(copy.stack).not.toContain(VISA);
      expect((copy.cause as Error).message).toBe('upstream [REDACTED-PAN]');
      expect(copy.code).toBe('card_declined');
      expect(copy.detail).toBe('declined [REDACTED-PAN]');
      expect(Object.keys(copy)).toEqual(Object.keys(error));
      expect(error.message).toContain(VISA);
    });

    it('summarises Buffers instead of copying bytes that may spell out a card number', () => {
      expect(redact({ raw: Buffer.from(`Digits=${VISA}`) })).toEqual({ raw: '[Buffer 23 bytes]' });
    });

    it('copies Dates', () => {
      const when = new Date('2030-01-31T00:00:00Z');
      const copy = redact({ when }) as { when: Date };
      expect(copy.when).toEqual(when);
      expect(copy.when).not.toBe(when);
    });

    it('redacts Map values by key and Map keys that are card numbers', () => {
      const copy = redact(new Map<unknown, unknown>([['cvc', '123'], [VISA, 'seen'], ['note', `re ${VISA}`]]));
      expect(copy).toEqual(new Map([['cvc', '[REDACTED]'], ['[REDACTED-PAN]', 'seen'], ['note', 're [REDACTED-PAN]']]));
    });

    it('redacts the members of a Set', () => {
      expect(redact(new Set([VISA, 'ok']))).toEqual(new Set(['[REDACTED-PAN]', 'ok']));
    });

    it('redacts what toJSON would print, such as a URL with a query string', () => {
      expect(redact({ url: new URL('https://example.test/voice?Digits=1230&step=expiry') })).toEqual({
        url: 'https://example.test/voice?Digits=[REDACTED]&step=expiry',
      });
    });

    it('marks cycles instead of recursing forever', () => {
      const node: Record<string, unknown> = { name: 'root', note: VISA };
      node.self = node;
      node.list = [node];
      expect(redact(node)).toEqual({ name: 'root', note: '[REDACTED-PAN]', self: '[Circular]', list: ['[Circular]'] });
    });

    it('copies an object reached twice through siblings rather than calling it a cycle', () => {
      const shared = { cvc: '123' };
      expect(redact({ a: shared, b: shared })).toEqual({ a: { cvc: '[REDACTED]' }, b: { cvc: '[REDACTED]' } });
    });

    it('keeps a __proto__ key from a parsed body as data', () => {
      const parsed = JSON.parse('{"__proto__":{"cvc":"123"}}') as object;
      const copy = redact(parsed) as object;
      expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
      expect(Object.getOwnPropertyDescriptor(copy, '__proto__')?.value).toEqual({ cvc: '[REDACTED]' });
    });

    it('passes through values that cannot hold card data', () => {
      expect(redact(null)).toBeNull();
      expect(redact(undefined)).toBeUndefined();
      expect(redact(true)).toBe(true);
      expect(redact(12.5)).toBe(12.5);
    });
  });
});
