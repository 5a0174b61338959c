import winston from 'winston';
import { redactFormat } from './redact';

export type Logger = winston.Logger;

export interface LoggerOptions {
  level?: string;
  stream?: NodeJS.WritableStream;
  silent?: boolean;
}

/**
 * Errors nested in fields (`logger.warn('retry', { err })`), Maps and Sets would otherwise
 * print as `{}`. Everything reaching this point has already been redacted.
 */
function serialise(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Map) {
    return Object.fromEntries([...value].map(([k, v]: [unknown, unknown]) => [String(k), v]));
  }
  if (value instanceof Set) return [...value];
  if (value instanceof Error) {
    return {
      ...value,
      name: value.name,
      message: value.message,
      stack: value.stack,
      ...(value.cause === undefined ? {} : { cause: value.cause }),
    };
  }
  return value;
}

/** Creates a JSON-lines logger whose every entry, including those of child loggers, is redacted. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const logger = winston.createLogger({
    level: options.level ?? 'info',
    silent: options.silent ?? false,
    format: winston.format.combine(
      winston.format.timestamp(),
      // Redacting before interpolation means `%s`/`%o` of an object prints the redacted copy
      // (util.inspect output such as `{ Digits: '1230' }` is beyond any text pattern);
      // redacting again afterwards catches a number assembled from several arguments.
      redactFormat(),
      winston.format.splat(),
      redactFormat(),
      winston.format.json({ replacer: serialise }),
    ),
    transports: [new winston.transports.Stream({ stream: options.stream ?? process.stdout, eol: '\n' })],
  });
  return skipBelowLevel(logger);
}

/**
 * winston runs every entry through the whole format chain (timestamp, both redactions, JSON) and
 * only then lets the transport drop it for its level: a debug line on a busy webhook path would cost
 * as much as a written one. The level methods here return at once when no transport takes the level.
 * Child loggers inherit them, since winston builds a child on its parent.
 */
function skipBelowLevel(logger: Logger): Logger {
  const methods = logger as unknown as Record<string, (...args: unknown[]) => Logger>;
  for (const level of Object.keys(logger.levels)) {
    const write = methods[level];
    if (typeof write !== 'function') continue;
    methods[level] = function (this: Logger, ...args: unknown[]): Logger {
      if (!this.isLevelEnabled(level)) return this;
      return write.apply(this, args);
    };
  }
  return logger;
}
