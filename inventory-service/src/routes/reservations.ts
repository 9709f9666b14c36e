import { Router } from 'express';
import { notFound } from '@checkout/chassis';
import type { ReservationStore } from '../store/reservation-store';

/** Read-only view of a reservation, for operators and tests (not part of the saga's contract). */
export function reservationsRouter(reservations: ReservationStore): Router {
  const router = Router();
  router.get('/reservations/:orderId', async (req, res) => {
    const reservation = await reservations.get(req.params.orderId);
    if (!reservation) throw notFound('reservation for order', req.params.orderId, 'orderId');
    res.json(reservation);
  });
  return router;
}
