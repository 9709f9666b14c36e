import type { EventHandler } from '@checkout/chassis';
import type { InventoryMetrics } from '../metrics';
import type { ReservationStore } from '../store/reservation-store';

/**
 * Commits the reservation: the reserved units become sold. A payment for a reservation that is
 * unknown or was already released (it expired first) cannot take stock back: it is logged as an
 * error and counted, for an operator to refund; stock stays as it is.
 */
export const onPaymentAuthorized =
  (reservations: ReservationStore, metrics: InventoryMetrics): EventHandler<'payment.authorized'> =>
  async (event, { log }) => {
    const { orderId } = event.data;
    const result = await reservations.commit(orderId);
    if (result === 'COMMITTED') log.info({ orderId }, 'reservation committed');
    else if (result === 'UNKNOWN' || result === 'RELEASED' || result === 'FAILED') {
      metrics.commitRejected.inc({ status: result });
      log.error({ orderId, status: result }, 'payment authorized for a reservation that holds no stock');
    } else log.debug({ orderId, status: result }, 'reservation already committed');
  };
