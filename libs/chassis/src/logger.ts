import { randomUUID } from 'node:crypto';
import axios, { type AxiosRequestConfig } from 'axios';
import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Paths never written to a log: card data, tokens and credentials. */
export const REDACT_PATHS = [
  'cardNumber',
  'cvc',
  'cvv',
  '*.cardNumber',
  '*.cvc',
  '*.cvv',
  '*.*.cardNumber',
  '*.*.cvc',
  '*.*.cvv',
  'payment.token',
  '*.payment.token',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'headers.authorization',
];

/** Where a request went (axios joins its base URL and url), without credentials or query. */
function addressOf(config: AxiosRequestConfig | undefined): string | undefined {
  if (!config?.url) return undefined;
  try {
    const url = new URL(axios.getUri(config));
    return `${url.origin}${url.pathname}`;
  } catch {
    return undefined;
  }
}

/**
 * pino's error serializer, without what an error carries of its request:
 * - ioredis attaches the failed command, and a script's arguments can carry what the redaction
 *   paths cannot name by position (a payment token among HSET fields): the command's name stays;
 * - axios attaches its request's config (the body as a string, with a payment token; the headers,
 *   an Authorization among them), the request and the response: what stays is the method, the
 *   address without credentials or query, the code and the status.
 */
function serializeError(err: unknown): unknown {
  if (axios.isAxiosError(err)) {
    return {
      type: 'AxiosError',
      message: err.message,
      stack: err.stack,
      code: err.code,
      status: err.status,
      method: err.config?.method?.toUpperCase(),
      url: addressOf(err.config),
    };
  }
  const out = pino.stdSerializers.err(err as Error) as unknown as Record<string, unknown>;
  const command = out?.command as { name?: unknown } | undefined;
  if (command && typeof command === 'object') out.command = { name: command.name, args: '[redacted]' };
  return out;
}

/**
 * The correlation id of the lines no request or event caused: the process' own life (listening,
 * ready, shutting down), its background jobs and its Kafka client. One per process, so every line
 * carries a correlation id and those of one process' life read together.
 */
export const PROCESS_CORRELATION_ID = randomUUID();

/** Loggers whose bindings carry a correlation id (lazyChild's): their lines need no other. */
const correlated = new WeakSet<object>();

/** A line's correlation id unless it has its own (in its fields or its logger's bindings). */
function processCorrelation(fields: { correlationId?: unknown }, _level: number, logger: object): object {
  return fields.correlationId !== undefined || correlated.has(logger) ? {} : { correlationId: PROCESS_CORRELATION_ID };
}

/**
 * Standard output written synchronously: each line is in the file or pipe before the call returns,
 * so one that records an act (notification-service's log channel: "notification sent", before the
 * notification is marked sent) is not lost with a process killed right after. pino's default writes
 * asynchronously, and a SIGKILL loses what it had not written yet.
 */
export const synchronousStdout = (): DestinationStream => pino.destination({ dest: 1, sync: true });

export function createLogger(service: string, level = 'info', destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service },
      mixin: processCorrelation,
      // The mixin's correlation id over a field left undefined (pino's default keeps the line's own).
      mixinMergeStrategy: (fields, extra) => ('correlationId' in extra ? { ...fields, ...extra } : fields),
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: { err: serializeError },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/** The logging calls of a pino logger, without its other methods. */
export type LevelLogger = Pick<Logger, Level>;

/**
 * A child logger built only when a line at an enabled level is written: a pino child with
 * redaction costs ~5 µs and a few hundred bytes to build, and most units of work it would be
 * built for (each consumed event) write nothing at the level in force.
 */
class LazyChildLogger {
  private child?: Logger;

  constructor(
    private readonly parent: Logger,
    private readonly bindings: () => Record<string, unknown>,
  ) {}

  trace(...args: unknown[]): void {
    this.write('trace', args);
  }
  debug(...args: unknown[]): void {
    this.write('debug', args);
  }
  info(...args: unknown[]): void {
    this.write('info', args);
  }
  warn(...args: unknown[]): void {
    this.write('warn', args);
  }
  error(...args: unknown[]): void {
    this.write('error', args);
  }
  fatal(...args: unknown[]): void {
    this.write('fatal', args);
  }

  private write(level: Level, args: unknown[]): void {
    if (!this.parent.isLevelEnabled(level)) return;
    if (!this.child) {
      const bindings = this.bindings();
      this.child = this.parent.child(bindings);
      if ('correlationId' in bindings) correlated.add(this.child);
    }
    Reflect.apply(this.child[level], this.child, args);
  }
}

/** `parent.child(bindings())`, built on the first line written at an enabled level. */
export function lazyChild(parent: Logger, bindings: () => Record<string, unknown>): LevelLogger {
  return new LazyChildLogger(parent, bindings) as unknown as LevelLogger;
}
