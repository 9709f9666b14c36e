import { createHash } from 'node:crypto';
import { promoCodeNames, type CheckoutRequest } from '@checkout/contracts';

/** Sorts object keys recursively so that key order never changes the hash, while any value does. */
export function canonicalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalize);
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(obj)
        .sort()
        .map((k) => [k, canonicalize(obj[k])]),
    );
  }
  return value;
}

export const canonicalHash = (value: unknown): string =>
  createHash('sha256')
    .update(JSON.stringify(canonicalize(value)))
    .digest('hex');

/**
 * What makes two checkouts the same request under one Idempotency-Key, however spelled: the parsed
 * body (a left-out currency is USD), the customer's name in one Unicode form (NFC; ids stay as
 * given, as the rest of checkout compares them), and its promo codes as the catalog names them, each
 * once and in one order, none given the same as an empty list (`promo10` and `PROMO10` are one code,
 * as when the order is priced).
 */
export function checkoutIdentity(body: CheckoutRequest): unknown {
  const { promoCodes, ...cart } = body.cart;
  const names = promoCodeNames(promoCodes ?? []).sort();
  return {
    ...body,
    customer: { ...body.customer, name: body.customer.name.normalize('NFC') },
    cart: names.length > 0 ? { ...cart, promoCodes: names } : cart,
  };
}
