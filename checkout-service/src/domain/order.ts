import type { OrderStatus, OrderView, Shortage } from '@checkout/contracts';

export type FailureStage = 'validation' | 'stock' | 'payment';

export interface HistoryEntry {
  status: OrderStatus;
  at: string;
}

/** An order as this service stores it: the status projection of the saga. */
export interface Order {
  orderId: string;
  status: OrderStatus;
  items: OrderView['items'];
  total: number;
  currency: string;
  customerId: string;
  history: HistoryEntry[];
  code?: string;
  reason?: string;
  stage?: FailureStage;
  paymentId?: string;
  /**
   * FAILED at the stock stage: the lines inventory could not reserve. Sent on the status stream's
   * FAILED event only: the contract fixes the order view's fields.
   */
  shortages?: Shortage[];
}

/** What never changes once an order exists: enough to announce its confirmation and time its saga. */
export interface OrderFacts {
  orderId: string;
  total: number;
  currency: string;
  /** When it was created (its first history entry). */
  createdAt: string;
}

export const factsOf = (o: Order): OrderFacts => ({
  orderId: o.orderId,
  total: o.total,
  currency: o.currency,
  createdAt: o.history[0]?.at ?? '',
});

export const toView = (o: Order): OrderView => ({
  orderId: o.orderId,
  status: o.status,
  ...(o.reason !== undefined ? { reason: o.reason } : {}),
  ...(o.code !== undefined ? { code: o.code } : {}),
  items: o.items,
  total: o.total,
  currency: o.currency,
  ...(o.paymentId !== undefined ? { paymentId: o.paymentId } : {}),
  history: o.history,
});
