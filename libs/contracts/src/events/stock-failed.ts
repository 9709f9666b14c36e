import { z } from 'zod';
import { OrderId, ProductId } from '../common';

export const StockFailureCode = z.enum(['INSUFFICIENT_STOCK', 'UNKNOWN_PRODUCT']);

/** A line inventory could not reserve: what was asked and what it had. */
export const Shortage = z.strictObject({
  productId: ProductId,
  requested: z.number().int().nonnegative(),
  available: z.number().int().nonnegative(),
});
export type Shortage = z.infer<typeof Shortage>;

export const StockFailed = z.strictObject({
  orderId: OrderId,
  code: StockFailureCode,
  reason: z.string(),
  shortages: z.array(Shortage),
});
export type StockFailed = z.infer<typeof StockFailed>;
