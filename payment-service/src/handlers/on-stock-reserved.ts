import { traceFields, type EventHandler } from '@checkout/chassis';
import type { PaymentStore } from '../store/payment-store';
import type { PaymentAuthorizer } from '../usecases/authorize-payment';

/**
 * Holds the reservation's expiry; authorizes if the order already arrived. A stock.reserved
 * announced again (ctx.reannounced) for a decided payment repeats its outcome event.
 */
export const onStockReserved =
  (store: PaymentStore, authorizer: PaymentAuthorizer): EventHandler<'stock.reserved'> =>
  async (event, ctx) => {
    const { orderId, expiresAt } = event.data;
    const claim = await store.recordReservation(
      { orderId, expiresAt, correlationId: event.correlationId, ...traceFields(ctx.trace) },
      authorizer.leaseMs,
      { reannounced: ctx.reannounced !== undefined, owner: ctx.deliveryId() },
    );
    ctx.log.debug({ orderId, claimed: Boolean(claim) }, 'reservation held for payment');
    if (claim) authorizer.start(claim);
  };
