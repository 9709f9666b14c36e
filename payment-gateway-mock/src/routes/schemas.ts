import { z } from 'zod';
import { MAX_CHARGE_CENTS, withoutCardNumber } from '@checkout/contracts';

const digitsOnly = (s: string) => s.replace(/[\s-]/g, '');

/** A month or year as card forms send it: a whole number, or its decimal digits as a string (never `true`, `[12]` or `"0x0c"`). */
const wholeNumber = z.union([
  z.number().int(),
  z
    .string()
    .regex(/^\d{1,4}$/, 'a whole number')
    .transform(Number),
]);

export const TokenRequest = z.object({
  // The regex message never echoes the input: a card number must not reach an error body or a log.
  cardNumber: z
    .string()
    .transform(digitsOnly)
    .pipe(z.string().regex(/^\d{12,19}$/, '12 to 19 digits')),
  expMonth: wholeNumber.pipe(z.number().min(1).max(12)),
  expYear: wholeNumber.pipe(
    z
      .number()
      .min(0)
      .max(2200)
      .transform((y) => (y < 100 ? 2000 + y : y)),
  ),
  cvc: z.string().regex(/^\d{3,4}$/, '3 or 4 digits'),
});

export const ChargeBody = z.object({
  amount: z.number().int().positive().max(MAX_CHARGE_CENTS),
  currency: z
    .string()
    .regex(/^[A-Za-z]{3}$/, 'an ISO 4217 code')
    .transform((c) => c.toUpperCase())
    .default('USD'),
  source: z.string().min(1).max(255),
  // Kept and listed back as given (GET /v1/charges): never a card number, as no service stores one.
  orderId: withoutCardNumber(z.string().min(1).max(64)),
});

/** Kept as given, to replay the decision: never a card number. */
export const IdempotencyKey = withoutCardNumber(z.string().min(1).max(255));

export const OrderQuery = z.strictObject({ orderId: z.string().min(1).max(64).optional() });

export const ControlRequest = z.strictObject({
  latencyMs: z.number().int().min(0).max(120_000).optional(),
  failNext: z.number().int().min(0).max(1_000_000).optional(),
  failRate: z.number().min(0).max(1).optional(),
  reset: z.boolean().optional(),
});
