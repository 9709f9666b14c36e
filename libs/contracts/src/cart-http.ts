import { z } from 'zod';
import { Cents, DEFAULT_CURRENCY } from './money';
import { MAX_QUANTITY, ProductId, Quantity } from './common';
import { withoutCardNumber } from './card-number';

export const MAX_CART_LINES = 100;

export const CartItem = z.strictObject({ productId: ProductId, quantity: Quantity, price: Cents });

export const Cart = z
  .strictObject({
    // An empty cart is a business rule (422 EMPTY_CART), not malformed input.
    items: z.array(CartItem).max(MAX_CART_LINES),
    // An unknown code is repeated in the 422 and in order.failed's reason: never a card number.
    promoCodes: z
      .array(withoutCardNumber(z.string().min(1).max(64)))
      .max(10)
      .optional(),
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

/**
 * A promo code as the catalog names it: codes match regardless of ASCII case (`promo10` is
 * `PROMO10`). Only an ASCII letters-and-digits code is folded, so no other letter turns into a
 * valid code.
 */
export const promoCodeName = (code: string): string => (/^[A-Za-z0-9]+$/.test(code) ? code.toUpperCase() : code);

/** The distinct codes of a cart as the catalog names them: the codes a valid cart's discount applied. */
export const promoCodeNames = (codes: readonly string[]): string[] => [...new Set(codes.map(promoCodeName))];
