import { z } from 'zod';
import { Cents, Currency } from '../money';
import { Customer, OrderId, PaymentToken, ProductId, Quantity } from '../common';

export const OrderCreated = z.strictObject({
  orderId: OrderId,
  customer: Customer,
  items: z.array(z.strictObject({ productId: ProductId, quantity: Quantity, unitPrice: Cents })).min(1),
  subtotal: Cents,
  discount: Cents,
  total: Cents,
  currency: Currency,
  promoCodes: z.array(z.string().max(64)).meta({
    description:
      'The (valid) codes the order was priced with, each once, as the catalog names them (promo10 → PROMO10)',
  }),
  payment: z.strictObject({ token: PaymentToken }),
});
export type OrderCreated = z.infer<typeof OrderCreated>;
