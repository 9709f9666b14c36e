import { setTimeout as delay } from 'node:timers/promises';
import { isTransientError } from './errors';

export interface RetryWhileTransientOptions {
  /** The wait between tries. */
  everyMs: number;
  /** No try starts after this (ms since the epoch, read before each retry): the last error is thrown. */
  giveUpAt: () => number;
  /** Stop retrying now (shutdown): the last error is thrown. */
  stop?: () => boolean;
  /** Called once, before the first retry: to say that it is retrying. */
  onFirstRetry?: (err: unknown) => void;
}

/**
 * Runs `write` again while it fails with a transient error (Redis restarting or stalled) until
 * `giveUpAt`: a write whose failure would be retried by someone else later, at a cost (a charge
 * waiting out its lease, a notification sent twice), waits out a short outage here instead.
 */
export async function retryWhileTransient<T>(
  write: () => Promise<T>,
  { everyMs, giveUpAt, stop, onFirstRetry }: RetryWhileTransientOptions,
): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await write();
    } catch (err) {
      if (!isTransientError(err) || stop?.() || Date.now() + everyMs > giveUpAt()) throw err;
      if (tries === 1) onFirstRetry?.(err);
      await delay(everyMs);
    }
  }
}
