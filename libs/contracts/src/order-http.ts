import { z } from 'zod';
import { Cents, Currency } from './money';
import { OrderId, ProductId, Quantity } from './common';

export const OrderStatus = z.enum(['PENDING', 'STOCK_RESERVED', 'CONFIRMED', 'FAILED']);
export type OrderStatus = z.infer<typeof OrderStatus>;

export const OrderView = z.object({
  orderId: OrderId,
  status: OrderStatus,
  reason: z.string().optional(),
  code: z.string().optional(),
  items: z.array(z.object({ productId: ProductId, quantity: Quantity, unitPrice: Cents })),
  total: Cents,
  currency: Currency,
  paymentId: z.string().optional(),
  history: z.array(z.object({ status: OrderStatus, at: z.string() })),
});
export type OrderView = z.infer<typeof OrderView>;
