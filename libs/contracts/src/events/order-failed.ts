import { z } from 'zod';
import { Customer, OrderId } from '../common';

export const FailureStage = z.enum(['validation', 'stock', 'payment']);

export const OrderFailed = z.strictObject({
  orderId: OrderId,
  stage: FailureStage,
  code: z.string().min(1),
  reason: z.string(),
  /**
   * Carried by a validation failure only: no order.created precedes it, so it is the one event
   * that tells notification-service whom to write to. A later stage's consumers know the customer
   * from the order's order.created.
   */
  customer: Customer.optional(),
});
export type OrderFailed = z.infer<typeof OrderFailed>;
