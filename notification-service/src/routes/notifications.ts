import { Router } from 'express';
import { z } from 'zod';
import { parseInput } from '@checkout/chassis';
import { OrderId, type NotificationList } from '@checkout/contracts';
import type { NotificationStore } from '../store/notification-store';

const ListQuery = z.strictObject({ orderId: OrderId });

export function notificationsRouter(store: NotificationStore): Router {
  const router = Router();
  router.get('/notifications', async (req, res) => {
    const { orderId } = parseInput(ListQuery, req.query, 'query');
    res.json({ items: await store.list(orderId) } satisfies NotificationList);
  });
  return router;
}
