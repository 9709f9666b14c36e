import { Router } from 'express';
import { z } from 'zod';
import { blankAsUnset, parseInput, requireAdmin } from '@checkout/chassis';
import type { OrderStore } from '../store/order-store';

const OpenQuery = z.strictObject({
  // Orders accepted at least this long ago; the default is past any healthy saga (seconds).
  olderThanS: blankAsUnset(
    z.coerce
      .number()
      .int()
      .min(0)
      .max(30 * 86_400)
      .default(60),
  ),
  limit: blankAsUnset(z.coerce.number().int().min(1).max(1000).default(100)),
});

/**
 * `GET /admin/orders/open` (admin token): orders accepted and not yet ended, oldest first, with
 * their status and how often their order.created was announced again; what an operator looks at
 * when orders stop moving (runbook.md).
 */
export function openOrdersRouter(orders: OrderStore, adminToken: string | undefined): Router {
  const router = Router();
  router.get('/admin/orders/open', requireAdmin(adminToken), async (req, res) => {
    const { olderThanS, limit } = parseInput(OpenQuery, req.query, 'query');
    res.json(await orders.openOrders(olderThanS * 1000, limit));
  });
  return router;
}
