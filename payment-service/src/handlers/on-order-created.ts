import { traceFields, type EventHandler } from '@checkout/chassis';
import type { PaymentStore } from '../store/payment-store';
import type { PaymentAuthorizer } from '../usecases/authorize-payment';

/** Holds the amount and token; authorizes if the reservation already arrived. */
export const onOrderCreated =
  (store: PaymentStore, authorizer: PaymentAuthorizer): EventHandler<'order.created'> =>
  async (event, ctx) => {
    const { orderId, total, currency, payment } = event.data;
    const claim = await store.recordOrder(
      {
        orderId,
        amount: total,
        currency,
        token: payment.token,
        correlationId: event.correlationId,
        ...traceFields(ctx.trace),
      },
      authorizer.leaseMs,
      ctx.deliveryId(),
    );
    ctx.log.debug({ orderId, claimed: Boolean(claim) }, 'order held for payment');
    if (claim) authorizer.start(claim);
  };
