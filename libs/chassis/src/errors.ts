import { cut } from '@checkout/contracts';

/** The one error type that crosses layers: a string code that survives process boundaries. */
export class AppError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly details?: unknown[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AppError';
  }
}

/**
 * An unknown id, its path parameter named in the one detail: a caller tells it from a 404 for a path
 * no route takes (a wrong base URL, a proxy's path), whose details are empty. `id` is the client's:
 * a path parameter can be ~16 KB long, which the 404 does not repeat.
 */
export const notFound = (what: string, id: string, field: string) => {
  const message = `${what} ${cut(id)} not found`;
  return new AppError('NOT_FOUND', 404, message, [{ field, code: 'not_found', message }]);
};

export const dependencyUnavailable = (what: string, cause?: unknown) =>
  new AppError('DEPENDENCY_UNAVAILABLE', 503, `${what} is unavailable`, undefined, { cause });

const TRANSIENT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTCONN', 'EAI_AGAIN']);
const TRANSIENT_MESSAGES = [
  'Connection is closed',
  "Stream isn't writeable",
  'enableOfflineQueue',
  'max retries per request',
  'MaxRetriesPerRequest',
  'LOADING',
  // ioredis' commandTimeout: the server holds the connection but has not answered.
  'Command timed out',
  // ioredis' AbortError: the connection closed under an explicit pipeline it had written.
  'Command aborted due to connection close',
];
/** ioredis' failures raised before a command was written (no connection, no offline queue to hold it). */
const UNSENT_MESSAGES = /Stream isn't writeable|enableOfflineQueue/;

/**
 * A Redis command that failed without its reply, one the server may have run all the same (a reply
 * later than the command timeout, a connection lost after it was written): not a reply of the
 * server's, nor a failure raised before the command left.
 */
export function mayHaveRunUnanswered(err: unknown): boolean {
  return isTransientError(err) && (err as Error).name !== 'ReplyError' && !UNSENT_MESSAGES.test((err as Error).message);
}

/**
 * Redis refusing for now rather than for good: a replica after failover (READONLY), memory or disk
 * full (OOM, MISCONF), a long script (BUSY), a cluster in motion (MASTERDOWN, TRYAGAIN), a restart
 * reading its data (LOADING). An event that meets one is retried, not dead-lettered.
 */
const TRANSIENT_REDIS_REPLIES = /^(READONLY|OOM|MISCONF|BUSY|MASTERDOWN|TRYAGAIN|LOADING|CLUSTERDOWN)\b/;

/**
 * True when an error means a dependency (Redis, Kafka, a peer service) is down rather than that the
 * input or the code is wrong: callers answer 503 and consumers retry instead of dead-lettering.
 */
export function isTransientError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err instanceof AppError) return err.status === 503;
  const code = (err as { code?: string }).code;
  if (code && TRANSIENT_CODES.has(code)) return true;
  if (err.name === 'MaxRetriesPerRequestError' || err.name === 'KafkaJSConnectionError') return true;
  if ((err as { retriable?: boolean }).retriable === true) return true;
  if (err.name === 'ReplyError' && TRANSIENT_REDIS_REPLIES.test(err.message)) return true;
  return TRANSIENT_MESSAGES.some((m) => err.message.includes(m));
}
