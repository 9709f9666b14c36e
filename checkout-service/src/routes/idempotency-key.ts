import type { Request } from 'express';
import { AppError } from '@checkout/chassis';
import { IdempotencyKey } from '@checkout/contracts';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

/**
 * The optional Idempotency-Key header; present but not 1–255 characters, or sent twice, is a 400
 * naming it. One that holds a card number is taken: IdempotencyStore keeps only its hash.
 */
export function idempotencyKeyOf(req: Request): string | undefined {
  const raw = req.headers[IDEMPOTENCY_HEADER.toLowerCase()];
  if (raw === undefined) return undefined;
  const parsed = IdempotencyKey.safeParse(raw);
  if (parsed.success) return parsed.data;
  const message = Array.isArray(raw) ? 'must be given once' : 'must be 1 to 255 characters';
  throw new AppError('BAD_REQUEST', 400, `invalid ${IDEMPOTENCY_HEADER} header: ${message}`, [
    { field: IDEMPOTENCY_HEADER, code: 'invalid_header', message },
  ]);
}
