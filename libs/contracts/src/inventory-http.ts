import { z } from 'zod';
import { ProductId } from './common';
import { MAX_CART_LINES } from './cart-http';
import { int64 } from './doc-formats';

export const StockQueryRequest = z.strictObject({ productIds: z.array(ProductId).min(1).max(MAX_CART_LINES) });
export const CachedStock = z.object({
  productId: ProductId,
  available: z.number().int(),
  version: int64(z.number().int()),
});
export type CachedStock = z.infer<typeof CachedStock>;
export const StockQueryResponse = z.object({ items: z.array(CachedStock) });

export const InventoryItem = z.object({
  productId: ProductId,
  available: z.number().int(),
  reserved: z.number().int(),
  sold: z.number().int(),
  version: int64(z.number().int()),
});
export type InventoryItem = z.infer<typeof InventoryItem>;
export const InventoryList = z.object({ items: z.array(InventoryItem) });
export const SetStockRequest = z.strictObject({ available: z.number().int().nonnegative().max(1_000_000_000) });
