import { z } from 'zod';
import { Cents, Currency, DEFAULT_CURRENCY } from './money';
import { Customer, MAX_QUANTITY, OrderId, PaymentToken, ProductId, Quantity } from './common';

export const MAX_CART_LINES = 100;

export const CartItem = z.strictObject({ productId: ProductId, quantity: Quantity, price: Cents });

export const Cart = z
  .strictObject({
    // An empty cart is a business rule (422 EMPTY_CART), not malformed input.
    items: z.array(CartItem).max(MAX_CART_LINES),
    promoCodes: z.array(z.string().min(1).max(64)).max(10).optional(),
    // The catalog is priced in one currency; others are refused up front rather than converted.
    currency: z.literal(DEFAULT_CURRENCY).default(DEFAULT_CURRENCY),
  })
  // Lines of one product are one order line: together they stay within what a line may hold. It
  // runs even when other fields are bad (zod skips a refinement after any issue by default), so a
  // 400 names every bad field; lines that are themselves malformed are left out of the sums.
  .superRefine(
    (cart, ctx) => {
      const items: unknown = (cart as { items?: unknown } | undefined)?.items;
      if (!Array.isArray(items)) return;
      const total = new Map<string, number>();
      items.forEach((item: { productId?: unknown; quantity?: unknown } | null, i) => {
        const { productId, quantity } = item ?? {};
        if (typeof productId !== 'string' || !Number.isSafeInteger(quantity) || (quantity as number) < 1) return;
        const sum = (total.get(productId) ?? 0) + (quantity as number);
        total.set(productId, sum);
        if (sum > MAX_QUANTITY && sum - (quantity as number) <= MAX_QUANTITY) {
          ctx.addIssue({
            code: 'custom',
            path: ['items', i, 'quantity'],
            message: `at most ${MAX_QUANTITY} of ${productId} in one order, all its lines together`,
          });
        }
      });
    },
    { when: () => true },
  );
export type Cart = z.infer<typeof Cart>;

export const CheckoutRequest = z.strictObject({
  cart: Cart,
  customer: Customer,
  payment: z.strictObject({ token: PaymentToken }),
});
export type CheckoutRequest = z.infer<typeof CheckoutRequest>;

export const CheckoutAccepted = z.object({
  orderId: OrderId,
  status: z.literal('PENDING'),
  total: Cents,
  currency: Currency,
});

export const IdempotencyKey = z.string().min(1).max(255);

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

export const Product = z.object({ productId: ProductId, name: z.string(), price: Cents, currency: Currency });
export type Product = z.infer<typeof Product>;

export const StockQueryRequest = z.strictObject({ productIds: z.array(ProductId).min(1).max(MAX_CART_LINES) });
export const CachedStock = z.object({
  productId: ProductId,
  available: z.number().int(),
  version: z.number().int(),
});
export type CachedStock = z.infer<typeof CachedStock>;
export const StockQueryResponse = z.object({ items: z.array(CachedStock) });

export const InventoryItem = z.object({
  productId: ProductId,
  available: z.number().int(),
  reserved: z.number().int(),
  sold: z.number().int(),
  version: z.number().int(),
});
export type InventoryItem = z.infer<typeof InventoryItem>;
export const InventoryList = z.object({ items: z.array(InventoryItem) });
export const SetStockRequest = z.strictObject({ available: z.number().int().nonnegative().max(1_000_000_000) });

export const OrderStatus = z.enum(['PENDING', 'STOCK_RESERVED', 'CONFIRMED', 'FAILED']);
export type OrderStatus = z.infer<typeof OrderStatus>;

export const OrderView = z.object({
  orderId: OrderId,
  status: OrderStatus,
  reason: z.string().optional(),
  code: z.string().optional(),
  items: z.array(z.object({ productId: ProductId, quantity: Quantity, unitPrice: Cents })),
  total: Cents,
  currency: Currency,
  paymentId: z.string().optional(),
  history: z.array(z.object({ status: OrderStatus, at: z.string() })),
});
export type OrderView = z.infer<typeof OrderView>;

export const PaymentView = z.object({
  orderId: OrderId,
  status: z.enum(['AUTHORIZED', 'FAILED', 'PENDING']),
  paymentId: z.string().optional(),
  amount: Cents,
  currency: Currency,
  attempts: z.number().int(),
  code: z.string().optional(),
});
export type PaymentView = z.infer<typeof PaymentView>;

/** Every error answer of our services (the gateway mock's follow its own API): details empty when none. */
export const ErrorBody = z.object({
  error: z.string(),
  message: z.string(),
  details: z.array(z.unknown()),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

export { Customer, PaymentToken };
