import { z } from 'zod';
import { ProductId } from '../common';

export const StockUpdated = z.strictObject({
  productId: ProductId,
  available: z.number().int().nonnegative(),
  version: z.number().int().nonnegative(),
  reason: z.string(),
});
export type StockUpdated = z.infer<typeof StockUpdated>;
