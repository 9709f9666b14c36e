import { z } from 'zod';

/**
 * `.int()`'s message for a number with a fraction, which zod gives as "expected int, received
 * number"; its own messages for the rest (a string, NaN, out of range).
 */
export const wholeNumber = (message: string) => ({
  error: (issue: { code: string }) => (issue.code === 'invalid_type' ? message : undefined),
});

export const OrderId = z.string().min(1).max(64);
export const ProductId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, dash or underscore');
/**
 * The most of one product an order may hold (all of its cart lines together): far above any stock,
 * so asking for more than there is stays a 422 INSUFFICIENT_STOCK naming what is available, while
 * sums of lines stay exact integers (a million of the dearest product times 100 lines is ~1e12 cents).
 */
export const MAX_QUANTITY = 1_000_000;
export const Quantity = z.number().int(wholeNumber('a whole number')).positive().max(MAX_QUANTITY);
export const IsoTime = z.iso.datetime();

export const Customer = z.strictObject({
  id: z.string().min(1).max(64),
  name: z.string().min(1).max(200),
  email: z.email().max(254),
});
export type Customer = z.infer<typeof Customer>;

/** A gateway token (tok_…); raw card fields are never accepted here. */
export const PaymentToken = z
  .string()
  .min(5)
  .max(64)
  .regex(/^tok_[A-Za-z0-9_]+$/, 'a gateway token such as tok_visa');

export const StockLevel = z.strictObject({
  productId: ProductId,
  available: z.number().int().nonnegative(),
  version: z.number().int().nonnegative(),
});
export type StockLevel = z.infer<typeof StockLevel>;

export const ItemQuantity = z.strictObject({ productId: ProductId, quantity: Quantity });
export type ItemQuantity = z.infer<typeof ItemQuantity>;
