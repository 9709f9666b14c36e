import { randomUUID } from 'node:crypto';
import type { CheckoutRequest } from './http';
import type { EventData } from './events';

/** Test-data builders: a valid default, overridden field by field. */
export const buildCheckoutRequest = (over: Partial<CheckoutRequest> = {}): CheckoutRequest => ({
  cart: { items: [{ productId: 'sku-001', quantity: 1, price: 1999 }], currency: 'USD' },
  customer: { id: 'cust-1', name: 'Ada Lovelace', email: 'ada@example.com' },
  payment: { token: 'tok_visa' },
  ...over,
});

const orderId = () => `ord_${randomUUID()}`;

export const buildOrderCreated = (over: Partial<EventData<'order.created'>> = {}): EventData<'order.created'> => ({
  orderId: orderId(),
  customer: { id: 'cust-1', name: 'Ada Lovelace', email: 'ada@example.com' },
  items: [{ productId: 'sku-001', quantity: 1, unitPrice: 1999 }],
  subtotal: 1999,
  discount: 0,
  total: 1999,
  currency: 'USD',
  promoCodes: [],
  payment: { token: 'tok_visa' },
  ...over,
});

export const buildOrderConfirmed = (
  over: Partial<EventData<'order.confirmed'>> = {},
): EventData<'order.confirmed'> => ({
  orderId: orderId(),
  paymentId: 'ch_test',
  total: 1999,
  currency: 'USD',
  ...over,
});

export const buildOrderFailed = (over: Partial<EventData<'order.failed'>> = {}): EventData<'order.failed'> => ({
  orderId: orderId(),
  stage: 'payment',
  code: 'INSUFFICIENT_FUNDS',
  reason: 'card declined',
  ...over,
});

export const buildStockReserved = (over: Partial<EventData<'stock.reserved'>> = {}): EventData<'stock.reserved'> => ({
  orderId: orderId(),
  items: [{ productId: 'sku-001', quantity: 1 }],
  levels: [{ productId: 'sku-001', available: 99, version: 2 }],
  expiresAt: new Date(Date.now() + 900_000).toISOString(),
  ...over,
});

export const buildStockFailed = (over: Partial<EventData<'stock.failed'>> = {}): EventData<'stock.failed'> => ({
  orderId: orderId(),
  code: 'INSUFFICIENT_STOCK',
  reason: 'not enough stock',
  shortages: [{ productId: 'sku-001', requested: 5, available: 1 }],
  ...over,
});

export const buildStockReleased = (over: Partial<EventData<'stock.released'>> = {}): EventData<'stock.released'> => ({
  orderId: orderId(),
  reason: 'payment failed',
  levels: [{ productId: 'sku-001', available: 100, version: 3 }],
  ...over,
});

export const buildStockUpdated = (over: Partial<EventData<'stock.updated'>> = {}): EventData<'stock.updated'> => ({
  productId: 'sku-001',
  available: 100,
  version: 1,
  reason: 'admin',
  ...over,
});

export const buildPaymentAuthorized = (
  over: Partial<EventData<'payment.authorized'>> = {},
): EventData<'payment.authorized'> => ({
  orderId: orderId(),
  paymentId: 'ch_test',
  amount: 1999,
  currency: 'USD',
  attempts: 1,
  ...over,
});

export const buildPaymentFailed = (over: Partial<EventData<'payment.failed'>> = {}): EventData<'payment.failed'> => ({
  orderId: orderId(),
  code: 'INSUFFICIENT_FUNDS',
  reason: 'card declined',
  attempts: 1,
  ...over,
});

export const EVENT_BUILDERS = {
  'order.created': buildOrderCreated,
  'order.confirmed': buildOrderConfirmed,
  'order.failed': buildOrderFailed,
  'stock.reserved': buildStockReserved,
  'stock.failed': buildStockFailed,
  'stock.released': buildStockReleased,
  'stock.updated': buildStockUpdated,
  'payment.authorized': buildPaymentAuthorized,
  'payment.failed': buildPaymentFailed,
} as const;
