import { z } from 'zod';
import { OrderId, ProductId } from '../common';

export const StockFailureCode = z.enum(['INSUFFICIENT_STOCK', 'UNKNOWN_PRODUCT']);

export const StockFailed = z.strictObject({
  orderId: OrderId,
  code: StockFailureCode,
  reason: z.string(),
  shortages: z.array(
    z.strictObject({
      productId: ProductId,
      requested: z.number().int().nonnegative(),
      available: z.number().int().nonnegative(),
    }),
  ),
});
export type StockFailed = z.infer<typeof StockFailed>;
