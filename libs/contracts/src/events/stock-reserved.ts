import { z } from 'zod';
import { IsoTime, ItemQuantity, OrderId, StockLevel } from '../common';

export const StockReserved = z.strictObject({
  orderId: OrderId,
  items: z.array(ItemQuantity).min(1),
  levels: z.array(StockLevel),
  expiresAt: IsoTime,
});
export type StockReserved = z.infer<typeof StockReserved>;
