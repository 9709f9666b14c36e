import { randomUUID } from 'node:crypto';
import { buildOrderCreated, createEvent } from '@checkout/contracts';
import type { Order } from '../src/domain/order';

/** A PENDING order of one line (1 × sku-001 at 2499) as checkout stores it, for `customerId`, and its order.created. */
export function pendingOrder(customerId = `cust-${randomUUID()}`) {
  const orderId = `ord_${randomUUID()}`;
  const order: Order = {
    orderId,
    status: 'PENDING',
    items: [{ productId: 'sku-001', quantity: 1, unitPrice: 2499 }],
    total: 2499,
    currency: 'USD',
    customerId,
    history: [{ status: 'PENDING', at: new Date().toISOString() }],
  };
  const event = createEvent('order.created', buildOrderCreated({ orderId }), {
    source: '/checkout-service',
    correlationId: randomUUID(),
  });
  return { orderId, order, event };
}
