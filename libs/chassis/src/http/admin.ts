import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../errors';

const same = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * Guards admin routes with `Authorization: Bearer ADMIN_TOKEN`. Without a configured token the
 * routes are closed (403); a missing or wrong token is 401.
 */
export function requireAdmin(adminToken: string | undefined) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    if (!adminToken) throw new AppError('FORBIDDEN', 403, 'admin endpoints are disabled: ADMIN_TOKEN is not set');
    const header = req.header('authorization') ?? '';
    const given = header.startsWith('Bearer ') ? header.slice(7) : '';
    if (!given || !same(given, adminToken)) throw new AppError('UNAUTHORIZED', 401, 'a valid admin token is required');
    next();
  };
}
