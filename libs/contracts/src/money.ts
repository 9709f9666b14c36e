import { z } from 'zod';

/** Every amount is an integer count of minor units (cents). */
export const Cents = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
export const Currency = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as USD');
export const DEFAULT_CURRENCY = 'USD';
