import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { cut, withoutCardNumbers } from '@checkout/contracts';
import { contextOf } from '../context';
import { toErrorResponse } from './error-response';
import { refusalLogger } from './refusal-log';

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
