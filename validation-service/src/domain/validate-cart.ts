import {
  MAX_CHARGE_CENTS,
  type Cart,
  type CachedStock,
  type Pricing,
  type ValidateResponse,
  type ValidationDetail,
} from '@checkout/contracts';
import type { Catalog } from './catalog';
import { applyPromotions } from './promotions';

/** Sums the quantities of lines that name the same product, keeping first-seen order. */
export function mergeLines(items: Cart['items']): Map<string, { quantity: number; price: number }> {
  const merged = new Map<string, { quantity: number; price: number }>();
  for (const item of items) {
    const seen = merged.get(item.productId);
    if (seen) seen.quantity += item.quantity;
    else merged.set(item.productId, { quantity: item.quantity, price: item.price });
  }
  return merged;
}

/**
 * Reprices a cart from the catalog and checks it against the stock read model.
 * Every problem is reported at once so the UI can show them all.
 */
export function validateCart(cart: Cart, catalog: Catalog, stock: ReadonlyMap<string, CachedStock>): ValidateResponse {
  const errors: ValidationDetail[] = [];
  const lines: Pricing['lines'] = [];
  if (cart.items.length === 0) errors.push({ code: 'EMPTY_CART', message: 'the cart has no items' });

  const uniquePrices = new Map<string, Set<number>>();
  for (const item of cart.items) {
    uniquePrices.set(item.productId, (uniquePrices.get(item.productId) ?? new Set()).add(item.price));
  }
  for (const [productId, { quantity }] of mergeLines(cart.items)) {
    const product = catalog.get(productId);
    if (!product) {
      errors.push({ code: 'UNKNOWN_PRODUCT', productId, message: `product ${productId} does not exist` });
      continue;
    }
    for (const got of uniquePrices.get(productId) ?? []) {
      if (got !== product.price) {
        errors.push({
          code: 'PRICE_MISMATCH',
          productId,
          expected: product.price,
          got,
          message: `price of ${productId} is ${product.price}, not ${got}`,
        });
      }
    }
    const available = stock.get(productId)?.available ?? 0;
    if (available < quantity) {
      errors.push({
        code: 'INSUFFICIENT_STOCK',
        productId,
        requested: quantity,
        available: Math.max(0, available),
        message: `only ${Math.max(0, available)} of ${productId} in stock`,
      });
    }
    lines.push({ productId, quantity, unitPrice: product.price, lineTotal: product.price * quantity });
  }

  const subtotal = lines.reduce((sum, l) => sum + l.lineTotal, 0);
  const promo = applyPromotions(cart.promoCodes ?? [], subtotal);
  errors.push(...promo.errors);
  const total = subtotal - promo.discount;
  // A code the contract does not list: said only of a cart that has no other problem, so a cart
  // refused for one the contract names (999999 of a product short of stock) carries only those.
  if (total > MAX_CHARGE_CENTS && errors.length === 0) {
    errors.push({
      code: 'TOTAL_TOO_LARGE',
      total,
      maximum: MAX_CHARGE_CENTS,
      message: `the order total, ${total} cents, is above the largest card charge, ${MAX_CHARGE_CENTS} cents`,
    });
  }
  return {
    valid: errors.length === 0,
    errors,
    pricing: { lines, subtotal, discount: promo.discount, total, currency: cart.currency },
  };
}
