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

/** Every string in `value` in one Unicode form (NFC): "José" typed composed or decomposed is one text. */
const composed = (value: unknown): unknown => {
  if (typeof value === 'string') return value.normalize('NFC');
  if (Array.isArray(value)) return value.map(composed);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, composed(v)]));
  return value;
};

/**
 * What makes two checkouts the same request under one Idempotency-Key: the parsed body (a left-out
 * currency is USD), its text in one Unicode form, and its promo codes as the catalog names them,
 * each once, none given the same as an empty list (`promo10` and `PROMO10` are one code, as when the
 * order is priced). A body none of that changes is its own identity, so its hash is the one stored
 * before identities were taken.
 */
export function checkoutIdentity(body: CheckoutRequest): unknown {
  const { promoCodes, ...cart } = body.cart;
  const names = promoCodeNames(promoCodes ?? []);
  return composed({ ...body, cart: names.length > 0 ? { ...cart, promoCodes: names } : cart });
}
