import { z } from 'zod';
import { OrderId } from '../common';

export const PaymentFailureCode = z.enum([
  'INSUFFICIENT_FUNDS',
  'INVALID_CARD',
  'GATEWAY_ERROR',
  'RESERVATION_EXPIRED',
]);
export type PaymentFailureCode = z.infer<typeof PaymentFailureCode>;

export const PaymentFailed = z.strictObject({
  orderId: OrderId,
  code: PaymentFailureCode,
  reason: z.string(),
  attempts: z.number().int().nonnegative(),
});
export type PaymentFailed = z.infer<typeof PaymentFailed>;
