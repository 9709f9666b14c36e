import type { Request } from 'express';
import { AppError } from '@checkout/chassis';
import { IdempotencyKey } from '@checkout/contracts';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

/**
 * The optional Idempotency-Key header; present but not 1–255 characters, or a card number (it
 * would be stored as a Redis key), is a 400 naming it.
 */
export function idempotencyKeyOf(req: Request): string | undefined {
  const raw = req.headers[IDEMPOTENCY_HEADER.toLowerCase()];
  if (raw === undefined) return undefined;
  const parsed = IdempotencyKey.safeParse(raw);
  if (parsed.success) return parsed.data;
  const message = Array.isArray(raw)
    ? 'must be given once'
    : raw.length < 1 || raw.length > 255
      ? 'must be 1 to 255 characters'
      : parsed.error.issues[0]!.message;
  throw new AppError('BAD_REQUEST', 400, `invalid ${IDEMPOTENCY_HEADER} header: ${message}`, [
    { field: IDEMPOTENCY_HEADER, code: 'invalid_header', message },
  ]);
}
