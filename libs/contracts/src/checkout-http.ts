import { z } from 'zod';
import { Cents, Currency } from './money';
import { Customer, OrderId, PaymentToken } from './common';
import { Cart } from './cart-http';

export const CheckoutRequest = z.strictObject({
  cart: Cart,
  customer: Customer,
  payment: z.strictObject({ token: PaymentToken }),
});
export type CheckoutRequest = z.infer<typeof CheckoutRequest>;

export const CheckoutAccepted = z.object({
  orderId: OrderId,
  status: z.literal('PENDING'),
  total: Cents,
  currency: Currency,
});

export const IdempotencyKey = z.string().min(1).max(255);
