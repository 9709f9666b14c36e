import type { AxiosError } from 'axios';

/** Retries never wait longer than this, whatever Retry-After asks: the lease must outlast a charge. */
export const MAX_RETRY_DELAY_MS = 5000;

/**
 * Answers saying the gateway may still be deciding this charge: 409 (a Stripe-like gateway busy
 * with an earlier request under the same Idempotency-Key: one of ours that timed out), 408 (a
 * proxy or the gateway gave up waiting, perhaps after passing the request on) and 425. Failing
 * the order on one of them would release its stock while that request may still authorize.
 */
export const STILL_DECIDING: ReadonlySet<number> = new Set([408, 409, 425]);

/** An HTTP status to retry rather than to read as the gateway's decision: those above, 429 and 5xx. */
export const isUndecidedStatus = (status: number): boolean =>
  status >= 500 || status === 429 || STILL_DECIDING.has(status);

/**
 * The gateway dedupes by Idempotency-Key, so a POST is safe to repeat: retry whatever may be
 * transient (no answer, a timeout, 5xx and the statuses above), never a decision (402, 400, 422).
 */
export function isRetryable(error: AxiosError): boolean {
  if (error.response) return isUndecidedStatus(error.response.status);
  return error.code !== 'ERR_CANCELED' && error.code !== undefined;
}

/** Retry-After as seconds or an HTTP date, in ms from `now`; 0 when absent or unreadable. */
export function retryAfterMs(header: unknown, now = Date.now()): number {
  if (typeof header !== 'string' || header.trim() === '') return 0;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? 0 : Math.max(0, at - now);
}

/**
 * Exponential backoff with "equal" jitter: half of base × 2^(n-1) fixed, half random. The jitter
 * spreads retries of many orders apart while each wait stays at least as long as the one before.
 * Retry-After wins when it asks for longer.
 */
export function retryDelayMs(
  retry: number,
  error: AxiosError | undefined,
  baseMs: number,
  random = Math.random,
): number {
  const ceiling = baseMs * 2 ** Math.max(0, retry - 1);
  const backoff = ceiling / 2 + (ceiling / 2) * random();
  const asked = retryAfterMs(error?.response?.headers?.['retry-after']);
  return Math.min(MAX_RETRY_DELAY_MS, Math.max(backoff, asked));
}
