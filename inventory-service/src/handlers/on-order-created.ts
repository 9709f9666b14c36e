import type { EventHandler } from '@checkout/chassis';
import { sumLines } from '../domain/lines';
import type { InventoryMetrics } from '../metrics';
import type { ReservationStore } from '../store/reservation-store';

/**
 * Reserves every line of the order, all or nothing. An order handled before changes nothing: its
 * first answer is announced again (an order.created re-announced by checkout found no answer).
 */
export const onOrderCreated =
  (reservations: ReservationStore, ttlMs: number, metrics: InventoryMetrics): EventHandler<'order.created'> =>
  async (event, { log, trace }) => {
    const { orderId, items } = event.data;
    const result = await reservations.reserve(orderId, sumLines(items), {
      ttlMs,
      correlationId: event.correlationId,
      traceparent: trace.traceparent,
    });
    metrics.reservations.inc({ outcome: result.outcome });
    if (result.outcome === 'FAILED') log.info({ orderId, code: result.code }, 'stock reservation failed');
    else if (result.outcome === 'REANNOUNCED')
      log.info({ orderId }, 'order handled before: its answer announced again');
    else if (result.outcome === 'DUPLICATE') log.debug({ orderId }, 'order already handled');
    else log.info({ orderId }, 'stock reserved');
  };
