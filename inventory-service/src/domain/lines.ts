import type { ItemQuantity } from '@checkout/contracts';

/** Sums lines naming the same product (first-seen order), so each product is checked once. */
export function sumLines(lines: readonly ItemQuantity[]): ItemQuantity[] {
  const summed = new Map<string, number>();
  for (const { productId, quantity } of lines) summed.set(productId, (summed.get(productId) ?? 0) + quantity);
  return [...summed].map(([productId, quantity]) => ({ productId, quantity }));
}
