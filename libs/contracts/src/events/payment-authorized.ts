import { z } from 'zod';
import { Cents, Currency } from '../money';
import { OrderId } from '../common';

export const PaymentAuthorized = z.strictObject({
  orderId: OrderId,
  paymentId: z.string().min(1),
  amount: Cents,
  currency: Currency,
  attempts: z.number().int().nonnegative(),
});
export type PaymentAuthorized = z.infer<typeof PaymentAuthorized>;
