import { z } from 'zod';
import { OrderId } from '../common';

export const FailureStage = z.enum(['validation', 'stock', 'payment']);

export const OrderFailed = z.strictObject({
  orderId: OrderId,
  stage: FailureStage,
  code: z.string().min(1),
  reason: z.string(),
});
export type OrderFailed = z.infer<typeof OrderFailed>;
