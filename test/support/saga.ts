import { randomUUID } from 'node:crypto';
import type { CheckoutRequest, OrderView } from '@checkout/contracts';
import { adminHeaders, api } from './http';
import { waitFor } from './wait';

const PRICES: Record<string, number> = {};

/** The catalog price of a product, as the UI would have shown it. */
export async function priceOf(productId: string): Promise<number> {
  if (PRICES[productId] === undefined) {
    const res = await api('validation-service').get(`/products/${productId}`);
    PRICES[productId] = res.data.price;
  }
  return PRICES[productId]!;
}

export async function checkoutBody(
  lines: [productId: string, quantity: number][],
  token = 'tok_visa',
  extra: Partial<CheckoutRequest['cart']> = {},
): Promise<CheckoutRequest> {
  const items = await Promise.all(
    lines.map(async ([productId, quantity]) => ({ productId, quantity, price: await priceOf(productId) })),
  );
  return {
    cart: { items, currency: 'USD', ...extra },
    customer: { id: `cust-${randomUUID().slice(0, 8)}`, name: 'Ada Lovelace', email: 'ada@example.com' },
    payment: { token },
  };
}

export async function placeOrder(body: CheckoutRequest, headers: Record<string, string> = {}) {
  const res = await api('checkout-service').post('/checkout', body, { headers });
  if (res.status !== 202) throw new Error(`checkout answered ${res.status}: ${JSON.stringify(res.data)}`);
  return res;
}

const TERMINAL = new Set(['CONFIRMED', 'FAILED']);

export async function waitForTerminal(orderId: string, timeoutMs = 30_000): Promise<OrderView> {
  return waitFor(
    async () => {
      const res = await api('checkout-service').get(`/orders/${orderId}`);
      return res.status === 200 && TERMINAL.has(res.data.status) ? (res.data as OrderView) : undefined;
    },
    { timeoutMs, what: `order ${orderId} to finish` },
  );
}

export async function stockOf(productId: string) {
  const res = await api('inventory-service').get(`/inventory/${productId}`);
  return res.data as { productId: string; available: number; reserved: number; sold: number; version: number };
}

export async function setStock(productId: string, available: number) {
  const res = await api('inventory-service').put(`/inventory/${productId}`, { available }, { headers: adminHeaders() });
  if (res.status !== 200) throw new Error(`PUT /inventory answered ${res.status}`);
  // The cache follows through stock.updated; wait until validation would see the new level.
  await waitFor(
    async () => (await api('inventory-cache-service').get(`/stock/${productId}`)).data?.version >= res.data.version,
    { what: `cache to show ${productId} at version ${res.data.version}` },
  );
  return res.data;
}

export async function gatewayControl(settings: Record<string, unknown>) {
  const res = await api('payment-gateway-mock').post('/_control', settings, { headers: adminHeaders() });
  if (res.status !== 200) throw new Error(`/_control answered ${res.status}`);
}

export async function chargesFor(orderId: string) {
  return (await api('payment-gateway-mock').get('/v1/charges', { params: { orderId } })).data.items as {
    id: string;
    status: string;
    amount: number;
  }[];
}

export async function gatewayAttempts(orderId: string) {
  return (await api('payment-gateway-mock').get('/v1/charges/attempts', { params: { orderId } })).data.attempts as {
    at: string;
    outcome: string;
  }[];
}

/** The audit log's latest events of one type (up to the 1000 it lists). */
export async function auditEvents(type: string) {
  const res = await api('audit-service').get('/audit/events', { params: { type, limit: 1000 } });
  return res.data.items as { id: string; type: string }[];
}

export async function auditOf(orderId: string) {
  return (await api('audit-service').get(`/audit/orders/${orderId}`)).data.events as {
    id: string;
    type: string;
    time: string;
    data: Record<string, unknown>;
  }[];
}

export async function notificationsOf(orderId: string) {
  return (await api('notification-service').get('/notifications', { params: { orderId } })).data.items as {
    template: string;
    to: string;
  }[];
}

export const count = <T>(items: T[], pred: (t: T) => boolean) => items.filter(pred).length;
