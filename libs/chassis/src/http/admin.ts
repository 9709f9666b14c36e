import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { contextOf } from '../context';
import { AppError } from '../errors';

/** Where createHttpApp leaves its logger for the admin routes' record of who called them. */
export const ADMIN_LOG = 'adminLog';
export type AdminLog = (fields: Record<string, unknown>) => void;

/** Compared as digests of equal length, so the time taken says nothing of the token, its length included. */
const digest = (s: string) => createHash('sha256').update(s).digest();
const same = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));

/** `Bearer <token>`, the scheme in any case (RFC 9110 §11.1). */
const BEARER = /^bearer +(\S+) *$/i;

/**
 * Guards admin routes with `Authorization: Bearer ADMIN_TOKEN`. Without a configured token the
 * routes are closed (403); a missing or wrong token is 401, saying how to authenticate
 * (`WWW-Authenticate`, RFC 9110 §15.5.2). A request let through is logged once answered (`admin
 * request`: route, status, address, correlation id): a stock level someone set can be traced to
 * where the call came from. Its path and body are not logged (what a client puts there could be
 * anything, a card number included); the correlation id finds what it changed in the audit log.
 */
export function requireAdmin(adminToken: string | undefined) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!adminToken) throw new AppError('FORBIDDEN', 403, 'admin endpoints are disabled: ADMIN_TOKEN is not set');
    const given = BEARER.exec(req.header('authorization') ?? '')?.[1];
    if (!given || !same(given, adminToken)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="admin"');
      throw new AppError('UNAUTHORIZED', 401, 'a valid admin token is required');
    }
    const log = req.app.locals[ADMIN_LOG] as AdminLog | undefined;
    if (log) {
      const { correlationId } = contextOf(req);
      res.once('finish', () =>
        log({ method: req.method, route: req.route?.path, status: res.statusCode, ip: req.ip, correlationId }),
      );
    }
    next();
  };
}
