import type { Request } from 'express';
import { AppError } from '@checkout/chassis';
import { IdempotencyKey } from '@checkout/contracts';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

// A random key can read as one too (about 3% of String(Math.random()) do); a UUID never does.
const CARD_NUMBER_IN_KEY =
  "must not hold a card number (digits of a card's length and prefix that pass the Luhn check, as about 3% of String(Math.random()) do): use a UUID";

/**
 * The optional Idempotency-Key header; present but not 1–255 characters, or a card number (it
 * would be stored as a Redis key, and the order id is derived from it), is a 400 naming it.
 * Kept as it is, or hashed, a card number could be read back: there are few enough to try them all.
 */
export function idempotencyKeyOf(req: Request): string | undefined {
  const raw = req.headers[IDEMPOTENCY_HEADER.toLowerCase()];
  if (raw === undefined) return undefined;
  // Node joins a repeated header into one value ("aaa, bbb"): a key of its own, which a retry with
  // either key would miss. Counted in the raw headers instead.
  const given = req.rawHeaders.filter((h, i) => i % 2 === 0 && h.toLowerCase() === IDEMPOTENCY_HEADER.toLowerCase());
  const parsed = given.length > 1 ? undefined : IdempotencyKey.safeParse(raw);
  if (parsed?.success) return parsed.data;
  const message =
    given.length > 1 || Array.isArray(raw)
      ? 'must be given once'
      : raw.length < 1 || raw.length > 255
        ? 'must be 1 to 255 characters'
        : CARD_NUMBER_IN_KEY;
  throw new AppError('BAD_REQUEST', 400, `invalid ${IDEMPOTENCY_HEADER} header: ${message}`, [
    { field: IDEMPOTENCY_HEADER, code: 'invalid_header', message },
  ]);
}
