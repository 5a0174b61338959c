import { PassThrough } from 'node:stream';
import winston from 'winston';
import { createLogger, type Logger } from '../../../src/observability/logger';

const VISA = '4242424242424242';
const DECLINED_VISA = '4000000000000002';
const AMEX = '378282246310005';
const CARD_NUMBERS = [VISA, DECLINED_VISA, AMEX];

interface Capture {
  stream: PassThrough;
  /** Waits for winston to hand everything logged so far to the stream, then returns the lines. */
  lines(): Promise<string[]>;
}

function capture(): Capture {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  return {
    stream,
    async lines() {
      await new Promise((resolve) => setImmediate(resolve));
      return text.split('\n').filter((line) => line !== '');
    },
  };
}

function captureLogger(options: { level?: string; silent?: boolean } = {}): { logger: Logger } & Capture {
  const sink = capture();
  return { ...sink, logger: createLogger({ ...options, stream: sink.stream }) };
}

/** Every captured line must be JSON, carry the standard fields and contain none of the secrets. */
function expectCleanLines(lines: string[], secrets: string[] = CARD_NUMBERS): Record<string, unknown>[] {
  expect(lines.length).toBeGreaterThan(0);
  return lines.map((line) => {
    for (const secret of secrets) expect(line).not.toContain(secret);
    const entry = JSON.parse(line) as Record<string, unknown>;
    expect(entry).toEqual(
      expect.objectContaining({ level: expect.any(String), message: expect.anything(), timestamp: expect.any(String) }),
    );
    return entry;
  });
}

describe('createLogger', () => {
  it('never shows the digits of a logged Twilio request body', async () => {
    const { logger, lines } = captureLogger();
    const body = { CallSid: 'CA1', Digits: VISA };

    logger.info('gather received', body);
    logger.info('gather received %j', body);
    logger.info('gather received %s', body);
    logger.info('gather received %o', body);
    logger.info({ message: 'gather received', body });

    const entries = expectCleanLines(await lines());
    expect(entries).toHaveLength(5);
    expect(entries[0]).toMatchObject({ CallSid: 'CA1', Digits: '[REDACTED]', message: 'gather received' });
    expect(entries[4]).toMatchObject({ body: { CallSid: 'CA1', Digits: '[REDACTED]' } });
    for (const entry of entries.slice(1, 4)) expect(entry.message).toContain('[REDACTED]');
  });

  it('redacts a card number spoken back in a message string', async () => {
    const { logger, lines } = captureLogger();

    logger.info('card 4242 4242 4242 4242 entered');

    const [entry] = expectCleanLines(await lines(), ['4242 4242 4242 4242']);
    expect(entry?.message).toBe('card [REDACTED-PAN] entered');
  });

  it('redacts card numbers passed as splat arguments', async () => {
    const { logger, lines } = captureLogger();

    logger.info('x %s', DECLINED_VISA);
    logger.warn('card %s then %s', VISA, Number(AMEX));

    const entries = expectCleanLines(await lines());
    expect(entries.map((e) => e.message)).toEqual(['x [REDACTED-PAN]', 'card [REDACTED-PAN] then [REDACTED-PAN]']);
  });

  it('keeps phone numbers, pay codes, references and years readable', async () => {
    const { logger, lines } = captureLogger();
    const fields = { from: '+14155550100', to: '4155550123', payCode: '482913', reference: '7319024658', year: '2030' };

    logger.info('call from 4155550100 with pay code 482913, reference 7319024658, valid to 2030', fields);

    const [entry] = expectCleanLines(await lines());
    expect(entry).toMatchObject({
      ...fields,
      message: 'call from 4155550100 with pay code 482913, reference 7319024658, valid to 2030',
    });
  });

  it('redacts nested objects and arrays in metadata', async () => {
    const { logger, lines } = captureLogger();

    logger.info('payment state', {
      payment: { id: 'pay_1', card: { number: VISA, cvc: '123', expiry: '1230' } },
      attempts: [{ digits: AMEX }, `retry with ${DECLINED_VISA}`],
      headers: { 'X-Twilio-Signature': 'sig', authorization: 'Bearer secret' },
    });

    const [entry] = expectCleanLines(await lines(), [...CARD_NUMBERS, 'secret', '"sig"', '"123"', '1230']);
    expect(entry).toMatchObject({
      payment: { id: 'pay_1', card: { number: '[REDACTED]', cvc: '[REDACTED]', expiry: '[REDACTED]' } },
      attempts: [{ digits: '[REDACTED]' }, 'retry with [REDACTED-PAN]'],
      headers: { 'X-Twilio-Signature': '[REDACTED]', authorization: '[REDACTED]' },
    });
  });

  it('redacts errors whose message contains a card number, however they are logged', async () => {
    const { logger, lines } = captureLogger();
    const error = Object.assign(new Error(`processor rejected ${VISA}`), { code: 'card_declined' });

    logger.error(error);
    logger.error('payment failed', error);
    logger.error('payment failed', { err: error });

    const entries = expectCleanLines(await lines());
    expect(entries[0]).toMatchObject({ message: 'processor rejected [REDACTED-PAN]', code: 'card_declined' });
    expect(entries[1]).toMatchObject({ message: 'payment failed processor rejected [REDACTED-PAN]' });
    expect(entries[2]).toMatchObject({
      message: 'payment failed',
      err: { name: 'Error', message: 'processor rejected [REDACTED-PAN]', code: 'card_declined' },
    });
    for (const entry of [entries[0], entries[1], entries[2]?.err] as Record<string, unknown>[]) {
      expect(entry.stack).toEqual(expect.stringContaining('Error: processor rejected [REDACTED-PAN]'));
    }
    expect(error.message).toContain(VISA);
  });

  it('redacts entries of child loggers, including their bound fields', async () => {
    const { logger, lines } = captureLogger();
    const child = logger.child({ callSid: 'CA1', paymentId: 'pay_1' });
    const leaky = logger.child({ callSid: 'CA2', token: 'tok_secret', note: `pan ${VISA}` });

    child.info('digits received', { Digits: VISA });
    child.info('card %s', DECLINED_VISA);
    child.child({ step: 'cvc' }).warn(`retry after ${AMEX}`);
    child.error(new Error(`bad card ${VISA}`));
    leaky.info('bound fields');

    const entries = expectCleanLines(await lines(), [...CARD_NUMBERS, 'tok_secret']);
    expect(entries).toHaveLength(5);
    for (const entry of entries.slice(0, 4)) expect(entry).toMatchObject({ callSid: 'CA1', paymentId: 'pay_1' });
    expect(entries[0]).toMatchObject({ Digits: '[REDACTED]' });
    expect(entries[1]).toMatchObject({ message: 'card [REDACTED-PAN]' });
    expect(entries[2]).toMatchObject({ step: 'cvc', message: 'retry after [REDACTED-PAN]' });
    expect(entries[3]).toMatchObject({ message: 'bad card [REDACTED-PAN]' });
    expect(entries[4]).toMatchObject({ callSid: 'CA2', token: '[REDACTED]', note: 'pan [REDACTED-PAN]' });
  });

  it('writes one JSON object per line with timestamp, level, message and fields', async () => {
    const { logger, lines } = captureLogger();

    logger.info('first', { callSid: 'CA1' });
    logger.warn('second');

    const entries = expectCleanLines(await lines());
    expect(entries).toEqual([
      { timestamp: expect.any(String), level: 'info', message: 'first', callSid: 'CA1' },
      { timestamp: expect.any(String), level: 'warn', message: 'second' },
    ]);
    expect(Number.isNaN(Date.parse(String(entries[0]?.timestamp)))).toBe(false);
  });

  it('drops entries below the configured level and writes nothing when silent', async () => {
    const quiet = captureLogger({ level: 'warn' });
    quiet.logger.info('dropped');
    quiet.logger.warn('kept');
    expect((await quiet.lines()).map((line) => (JSON.parse(line) as { message: string }).message)).toEqual(['kept']);

    const silent = captureLogger({ silent: true });
    silent.logger.error('never written');
    expect(await silent.lines()).toEqual([]);
  });

  it('spends nothing on an entry below the level, also through a child, and follows a level changed later', async () => {
    const sink = captureLogger({ level: 'info' });
    let read = 0;
    const fields = {
      get callSid() {
        read += 1;
        return 'CA1';
      },
    };
    const child = sink.logger.child({ paymentId: 'pay_1' });
    sink.logger.debug('per turn', fields);
    child.debug('per turn', fields);
    expect(read).toBe(0);
    expect(await sink.lines()).toEqual([]);

    sink.logger.level = 'debug';
    child.debug('per turn', fields);
    expect(read).toBeGreaterThan(0);
    expect((await sink.lines()).map((line) => JSON.parse(line) as Record<string, unknown>)).toEqual([
      { timestamp: expect.any(String), level: 'debug', message: 'per turn', callSid: 'CA1', paymentId: 'pay_1' },
    ]);
  });

  it('writes to stdout when no stream is given', async () => {
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      createLogger().info(`to stdout ${VISA}`);
      await new Promise((resolve) => setImmediate(resolve));
      const written = write.mock.calls.map(([chunk]) => String(chunk)).join('');
      expect(written).toContain('"message":"to stdout [REDACTED-PAN]"');
      expect(written).not.toContain(VISA);
    } finally {
      write.mockRestore();
    }
  });

  it('is what keeps card data out: the same entries through a plain JSON logger show it', async () => {
    const sink = capture();
    const plain = winston.createLogger({
      format: winston.format.combine(winston.format.timestamp(), winston.format.splat(), winston.format.json()),
      transports: [new winston.transports.Stream({ stream: sink.stream, eol: '\n' })],
    });

    plain.info('gather received', { CallSid: 'CA1', Digits: VISA });
    plain.info('card 4242 4242 4242 4242 entered');
    plain.info('x %s', DECLINED_VISA);

    const output = (await sink.lines()).join('\n');
    expect(output).toContain(VISA);
    expect(output).toContain('4242 4242 4242 4242');
    expect(output).toContain(DECLINED_VISA);
  });
});
