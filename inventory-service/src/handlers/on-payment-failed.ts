import type { EventHandler } from '@checkout/chassis';
import { paymentFailedReason } from '../domain/reservation';
import type { InventoryMetrics } from '../metrics';
import type { ReservationStore } from '../store/reservation-store';

/** Releases the reservation's stock; only a RESERVED reservation changes, anything else is a no-op. */
export const onPaymentFailed =
  (reservations: ReservationStore, metrics: InventoryMetrics): EventHandler<'payment.failed'> =>
  async (event, { log, trace }) => {
    const { orderId, code } = event.data;
    const result = await reservations.release(orderId, paymentFailedReason(code), {
      correlationId: event.correlationId,
      traceparent: trace.traceparent,
    });
    if (result === 'RELEASED') {
      metrics.releases.inc({ reason: 'payment_failed' });
      log.info({ orderId, code }, 'reservation released after failed payment');
    } else log.debug({ orderId, status: result }, 'nothing to release');
  };
