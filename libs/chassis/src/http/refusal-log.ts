import type { Logger } from 'pino';

/** Refused admin requests past the first are summed up once per this interval. */
const REFUSALS_LOGGED_EVERY_MS = 10_000;
/** Addresses a summary names; refusals from any others are counted (fromOtherIps). */
const IPS_NAMED = 10;

/**
 * Someone knocking at an admin endpoint without the token (or guessing it) is what an operator
 * wants to see, with where it came from; what was sent stays out of the log. The first refusal is
 * logged at once; those that follow within the interval are summed up when it ends (how many, from
 * which addresses), and so on while they keep coming: a flood of guesses is a line per interval,
 * not a line each, and its end is reported even if nothing comes after it.
 */
export function refusalLogger(
  logger: Pick<Logger, 'warn'>,
  everyMs = REFUSALS_LOGGED_EVERY_MS,
  schedule: (fn: () => void, ms: number) => void = (fn, ms) => setTimeout(fn, ms).unref(),
) {
  let open = false;
  let refused = 0;
  const ips = new Set<string>();
  let fromOtherIps = 0;
  const endOfInterval = (): void => {
    if (refused === 0) {
      open = false;
      return;
    }
    logger.warn(
      { refused, ips: [...ips], ...(fromOtherIps > 0 ? { fromOtherIps } : {}) },
      'requests refused: not authenticated',
    );
    refused = 0;
    ips.clear();
    fromOtherIps = 0;
    schedule(endOfInterval, everyMs);
  };
  return (fields: Record<string, unknown> & { ip?: string }): void => {
    if (!open) {
      open = true;
      logger.warn(fields, 'request refused: not authenticated');
      schedule(endOfInterval, everyMs);
      return;
    }
    refused++;
    const ip = fields.ip ?? 'unknown';
    if (ips.has(ip)) return;
    if (ips.size < IPS_NAMED) ips.add(ip);
    else fromOtherIps++;
  };
}
