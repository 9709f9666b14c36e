import { z } from 'zod';
import { Cents, Currency } from './money';
import { OrderId } from './common';
import { ORDER_CODES } from './doc-formats';

export const PaymentView = z.object({
  orderId: OrderId,
  status: z.enum(['AUTHORIZED', 'FAILED', 'PENDING']),
  paymentId: z.string().optional(),
  amount: Cents,
  currency: Currency,
  attempts: z.number().int(),
  /** A payment closed because its stock failed carries the stock's code (with 0 attempts). */
  code: z
    .string()
    .optional()
    .meta({ description: `Why it failed: ${ORDER_CODES}` }),
});
export type PaymentView = z.infer<typeof PaymentView>;
