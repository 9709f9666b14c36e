import type { EventHandler } from '@checkout/chassis';
import type { InventoryMetrics } from '../metrics';
import type { ReservationStore } from '../store/reservation-store';

/**
 * Commits the reservation: the reserved units become sold. A payment whose outcome came after the
 * expiry sweeper released the reservation takes the units again while they are all still
 * available (counted, with a stock.updated per product). Otherwise (unknown, the stock is gone, or
 * released because the payment failed) it takes nothing: logged as an error and counted, for an
 * operator to look at (a paid order with no stock needs a refund). A refusal is final: the same
 * payment delivered again is neither counted again nor allowed to take stock restocked since; the
 * consumer's retry of the same delivery after a late commit or a refusal whose answer was lost
 * gets that run's answer, so it is still logged and counted once.
 */
export const onPaymentAuthorized =
  (reservations: ReservationStore, metrics: InventoryMetrics): EventHandler<'payment.authorized'> =>
  async (event, { log, trace, deliveryId }) => {
    const { orderId } = event.data;
    const result = await reservations.commit(orderId, {
      correlationId: trace.correlationId,
      traceparent: trace.traceparent,
      callId: deliveryId(),
    });
    if (result === 'COMMITTED') log.info({ orderId }, 'reservation committed');
    else if (result === 'RECOMMITTED') {
      metrics.lateCommits.inc();
      log.warn({ orderId }, 'payment came after the reservation expired: its released units were taken again');
    } else if (result === 'UNKNOWN' || result === 'RELEASED' || result === 'FAILED') {
      metrics.commitRejected.inc({ status: result });
      log.error({ orderId, status: result }, 'payment authorized for a reservation that holds no stock');
    }
    // ALREADY_COMMITTED or REFUSED_BEFORE: a redelivery, whose outcome stands.
    else log.debug({ orderId, status: result }, 'payment outcome already applied');
  };
