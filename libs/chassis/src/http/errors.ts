import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { cut, withoutCardNumbers } from '@checkout/contracts';
import { contextOf } from '../context';
import { toErrorResponse } from './error-response';

export function notFoundMiddleware(req: Request, res: Response): void {
  res
    .status(404)
    .json({ error: 'NOT_FOUND', message: `no route for ${req.method} ${cut(req.path, 200)}`, details: [] });
}

const decodedPath = (path: string): string => {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
};

/** Seconds a 503's client is told to wait before it tries again. */
const RETRY_AFTER_S = 1;

/** Longer than any card number as it can be written (19 digits and separators of up to 3 characters). */
const CARD_NUMBER_ROOM = 64;
/** Format characters (zero-width spaces, bidi marks): nothing a log reader needs to see. */
const INVISIBLE = /\p{Cf}/gu;

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

export function errorMiddleware(logger: Logger) {
  const logRefusal = refusalLogger(logger);
  // Express recognises error middleware by its four parameters.
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const { status, body } = toErrorResponse(err);
    const { correlationId } = contextOf(req);
    // The client's path, which can hold anything (GET /orders/4111…, percent-encoded or not): never
    // a card number in a log, masked before it is cut (a cut one would keep most of its digits).
    // Only what can show is scanned: the first 200 characters and room for a card number that
    // begins among them (a few KB of path cost ~6 ms each to scan). Invisible characters go first:
    // the scan ignores any number of them between digits, so they could stretch a number past the room.
    const visible = decodedPath(req.path).replace(INVISIBLE, '');
    const path = cut(withoutCardNumbers(visible.slice(0, 200 + CARD_NUMBER_ROOM)), 200);
    // A dependency that is down answers every request 503 until it is back: one warning each, not an
    // error each (the outage is the dependency's, already reported by its health check); a 500 is ours.
    if (status === 503)
      logger.warn({ err, correlationId, method: req.method, path }, 'request refused: a dependency is unavailable');
    else if (status >= 500) logger.error({ err, correlationId, method: req.method, path }, 'request failed');
    else if (status === 401) logRefusal({ code: body.error, correlationId, method: req.method, path, ip: req.ip });
    else logger.debug({ code: body.error, correlationId, method: req.method, path }, 'request rejected');
    if (res.headersSent) {
      res.end();
      return;
    }
    // A dependency that is down is usually back within seconds (a restart, a failover): say when to
    // try again, unless the error said already (TOO_MANY_STREAMS).
    if (status === 503 && !res.hasHeader('Retry-After')) res.set('Retry-After', String(RETRY_AFTER_S));
    res.status(status).json(body);
  };
}
