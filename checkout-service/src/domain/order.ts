import type { OrderStatus, OrderView } from '@checkout/contracts';

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
}

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
