import { z } from 'zod';
import { Cents, Currency } from './money';
import { ProductId, Quantity } from './common';
import { Cart } from './cart-http';

export const ValidationCode = z.enum([
  'UNKNOWN_PRODUCT',
  'PRICE_MISMATCH',
  'INSUFFICIENT_STOCK',
  'INVALID_PROMO_CODE',
  'EMPTY_CART',
  'TOTAL_TOO_LARGE',
]);
export type ValidationCode = z.infer<typeof ValidationCode>;

export const ValidationDetail = z.object({
  code: ValidationCode,
  message: z.string(),
  productId: ProductId.optional(),
  expected: Cents.optional(),
  got: Cents.optional(),
  requested: z.number().int().optional(),
  available: z.number().int().optional(),
  promoCode: z.string().optional(),
  total: Cents.optional(),
  maximum: Cents.optional(),
});
export type ValidationDetail = z.infer<typeof ValidationDetail>;

export const ValidateRequest = z.strictObject({ cart: Cart });
export type ValidateRequest = z.infer<typeof ValidateRequest>;

export const PricingLine = z.object({
  productId: ProductId,
  quantity: Quantity,
  unitPrice: Cents,
  lineTotal: Cents,
});

export const Pricing = z.object({
  lines: z.array(PricingLine),
  subtotal: Cents,
  discount: Cents,
  total: Cents,
  currency: Currency,
});
export type Pricing = z.infer<typeof Pricing>;

export const ValidateResponse = z
  .object({
    valid: z.boolean(),
    errors: z.array(ValidationDetail),
    pricing: Pricing,
  })
  // A cart with nothing to sell is never valid (EMPTY_CART): an answer that says otherwise is broken.
  .refine((r) => !r.valid || r.pricing.lines.length > 0, {
    path: ['pricing', 'lines'],
    message: 'a valid cart has at least one priced line',
  })
  // The verdict and its reasons agree: invalid with none listed, or valid with some, is a broken
  // answer (the caller answers 503), never an order accepted or refused on half of it.
  .refine((r) => r.valid === (r.errors.length === 0), {
    path: ['valid'],
    message: 'valid must be true exactly when no error is listed',
  });
export type ValidateResponse = z.infer<typeof ValidateResponse>;

/** A catalog entry. Its price is at least a cent: an order totalling 0 would be reserved, then refused by the gateway as a card error. */
export const Product = z.object({
  productId: ProductId,
  name: z.string(),
  price: Cents.min(1, 'at least 1 cent: the gateway refuses a charge of 0'),
  currency: Currency,
});
export type Product = z.infer<typeof Product>;
