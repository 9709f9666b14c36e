import { z } from 'zod';
import { Cents, Currency } from '../money';
import { OrderId } from '../common';

export const OrderConfirmed = z.strictObject({
  orderId: OrderId,
  paymentId: z.string().min(1),
  total: Cents,
  currency: Currency,
});
export type OrderConfirmed = z.infer<typeof OrderConfirmed>;
