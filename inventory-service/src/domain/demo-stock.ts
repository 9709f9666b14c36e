import { ProductId } from '@checkout/contracts';
import { z } from 'zod';
import data from '../data/demo-stock.json';

export const StockSeed = z.array(z.strictObject({ productId: ProductId, available: z.number().int().nonnegative() }));
export type StockSeed = z.infer<typeof StockSeed>;

/** The demo stock a fresh store starts with: the catalog's products (validation-service). */
export const loadDemoStock = (items: unknown = data.items): StockSeed => StockSeed.parse(items);
