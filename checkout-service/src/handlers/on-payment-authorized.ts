import type { EventHandler } from '@checkout/chassis';
import { moveOrder, type HandlerDeps } from './move-order';

export const onPaymentAuthorized =
  (deps: HandlerDeps): EventHandler<'payment.authorized'> =>
  async (event, ctx) => {
    const { orderId, paymentId } = event.data;
    await moveOrder(deps, ctx, orderId, { status: 'CONFIRMED', fields: { paymentId } }, (order) =>
      ctx.newEvent('order.confirmed', { orderId, paymentId, total: order.total, currency: order.currency }),
    );
  };
