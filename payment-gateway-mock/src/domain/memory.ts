import { LRUCache } from 'lru-cache';

/**
 * How much the stand-in remembers: like a real gateway's idempotency keys (Stripe keeps them 24 h),
 * each entry is forgotten a day after it was made, or sooner once `max` newer ones were made, so a
 * long-running mock holds bounded memory (~1.4 KB per charge, ~0.4 KB per token) however much
 * traffic it takes. The price: a key used again after that is charged again, and the order's
 * charge list, forgotten with it, then shows only the new charge. payment-service sends a key
 * again at most ~65 s later (a resumed claim), so that takes over ~770 orders/s with the defaults;
 * a long test or benchmark against one mock that counts charges past 50,000 orders must raise
 * GATEWAY_MEMORY_MAX.
 */
export interface MemoryLimits {
  /** Entries kept per kind (tokens, idempotency keys, orders' charges, orders' attempts). */
  max: number;
  ttlMs: number;
}

export const DEFAULT_MEMORY_LIMITS: MemoryLimits = { max: 50_000, ttlMs: 86_400_000 };

/** A map of at most `max` entries, each gone `ttlMs` after it was last set. */
export const boundedMap = <K extends object | string, V extends object>({ max, ttlMs }: MemoryLimits) =>
  new LRUCache<K, V>({ max, ttl: ttlMs });
