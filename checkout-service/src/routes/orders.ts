import { Router } from 'express';
import { notFound } from '@checkout/chassis';
import type { OrderChanges } from '../domain/order-changes';
import { toView } from '../domain/order';
import type { OrderStore } from '../store/order-store';
import { streamOrderStatus } from './order-status-stream';

export interface OrdersRouterDeps {
  orders: OrderStore;
  changes: OrderChanges;
  /** Fallback poll for changes made by another instance. */
  statusPollMs?: number;
}

export function ordersRouter(deps: OrdersRouterDeps): Router {
  const router = Router();
  router.get('/orders/:orderId', async (req, res) => {
    const order = await deps.orders.get(req.params.orderId);
    if (!order) throw notFound(`order ${req.params.orderId}`);
    res.json(toView(order));
  });
  router.get('/orders/:orderId/events', async (req, res) => {
    const order = await deps.orders.get(req.params.orderId);
    if (!order) throw notFound(`order ${req.params.orderId}`);
    streamOrderStatus(res, order, deps);
  });
  return router;
}
