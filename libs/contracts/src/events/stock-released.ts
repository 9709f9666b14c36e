import { z } from 'zod';
import { OrderId, StockLevel } from '../common';

export const StockReleased = z.strictObject({
  orderId: OrderId,
  reason: z.string(),
  levels: z.array(StockLevel),
});
export type StockReleased = z.infer<typeof StockReleased>;
