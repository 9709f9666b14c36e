import { z } from 'zod';
import { wholeNumber } from './common';

/** Every amount is an integer count of minor units (cents): 19.99 is a 400 that says so. */
export const Cents = z
  .number()
  .int(wholeNumber('a whole number of cents (19.99 USD is 1999)'))
  .nonnegative()
  .max(Number.MAX_SAFE_INTEGER);
export const Currency = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as USD');
export const DEFAULT_CURRENCY = 'USD';

/**
 * The largest amount one card charge can carry, as a card gateway limits it (Stripe's for USD:
 * 999,999.99). An order above it could never be paid, so validation refuses it (TOTAL_TOO_LARGE)
 * and the gateway mock answers 400 to a charge above it.
 */
export const MAX_CHARGE_CENTS = 99_999_999;
