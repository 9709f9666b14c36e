import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../errors';

/** Requests requireAdmin let through: createHttpApp logs each once answered (or abandoned). */
const admitted = new WeakSet<Request>();
export const wasAdmitted = (req: Request): boolean => admitted.has(req);

/** Compared as digests of equal length, so the time taken says nothing of the token, its length included. */
const digest = (s: string) => createHash('sha256').update(s).digest();
const same = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));

/** `Bearer <token>`, the scheme in any case (RFC 9110 §11.1). */
const BEARER = /^bearer +(\S+) *$/i;

/**
 * Guards admin routes with `Authorization: Bearer ADMIN_TOKEN`. Without a configured token the
 * routes are closed (403); a missing or wrong token is 401, saying how to authenticate
 * (`WWW-Authenticate`, RFC 9110 §15.5.2). A request let through is logged by createHttpApp once
 * answered, or when its client hung up (`admin request`: method, route pattern, status, address,
 * correlation id): a stock level someone set can be traced to where the call came from. Its path
 * and body are not logged (what a client puts there could be anything, a card number included);
 * the correlation id finds what it changed in the audit log.
 */
export function requireAdmin(adminToken: string | undefined) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!adminToken) throw new AppError('FORBIDDEN', 403, 'admin endpoints are disabled: ADMIN_TOKEN is not set');
    const given = BEARER.exec(req.header('authorization') ?? '')?.[1];
    if (!given || !same(given, adminToken)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="admin"');
      throw new AppError('UNAUTHORIZED', 401, 'a valid admin token is required');
    }
    admitted.add(req);
    next();
  };
}
