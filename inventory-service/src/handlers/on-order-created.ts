import type { EventHandler } from '@checkout/chassis';
import { sumLines } from '../domain/lines';
import type { InventoryMetrics } from '../metrics';
import type { ReservationStore } from '../store/reservation-store';

/**
 * Reserves every line of the order, all or nothing. An order handled before changes nothing; when
 * checkout announced it again (no answer reached it), its first answer is announced again.
 */
export const onOrderCreated =
  (reservations: ReservationStore, ttlMs: number, metrics: InventoryMetrics): EventHandler<'order.created'> =>
  async (event, { log, trace, reannounced }) => {
    const { orderId, items } = event.data;
    const result = await reservations.reserve(orderId, sumLines(items), {
      ttlMs,
      correlationId: event.correlationId,
      traceparent: trace.traceparent,
      ...(reannounced !== undefined ? { reannounced } : {}),
    });
    metrics.reservations.inc({ outcome: result.outcome });
    if (result.outcome === 'FAILED') log.info({ orderId, code: result.code }, 'stock reservation failed');
    else if (result.outcome === 'REANNOUNCED')
      log.info({ orderId }, 'order handled before: its answer announced again');
    else if (result.outcome === 'DUPLICATE') log.debug({ orderId }, 'order already handled');
    else log.info({ orderId }, 'stock reserved');
  };
