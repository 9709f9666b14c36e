import { Router } from 'express';
import { notFound } from '@checkout/chassis';
import { toView } from '../domain/payment';
import type { PaymentStore } from '../store/payment-store';

export function paymentsRouter(store: PaymentStore): Router {
  const router = Router();
  router.get('/payments/:orderId', async (req, res) => {
    const payment = await store.get(req.params.orderId);
    if (!payment) throw notFound('payment for order', req.params.orderId, 'orderId');
    res.json(toView(payment));
  });
  return router;
}
