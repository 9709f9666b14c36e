import type { EventHandler } from '@checkout/chassis';
import type { OrderFacts } from '../domain/order';
import { sagaMetrics } from '../domain/saga-metrics';
import { moveOrder, type HandlerDeps } from './move-order';

/**
 * Confirms the order. A charge of another amount or currency than the order's total (a payment
 * record that outlived a change of the order, a bug) still confirms it: the customer was charged
 * and inventory has sold the stock on the same event. It is said at error level and counted
 * (`orders_amount_mismatch_total`), for an operator to settle the difference.
 */
export const onPaymentAuthorized =
  (deps: HandlerDeps): EventHandler<'payment.authorized'> =>
  async (event, ctx) => {
    const { orderId, paymentId, amount, currency } = event.data;
    let order: OrderFacts | undefined;
    const result = await moveOrder(deps, ctx, orderId, { status: 'CONFIRMED', fields: { paymentId } }, (facts) => {
      order = facts;
      return ctx.newEvent('order.confirmed', { orderId, paymentId, total: facts.total, currency: facts.currency });
    });
    if (result !== 'applied' || !order || (amount === order.total && currency === order.currency)) return;
    ctx.log.error(
      { orderId, paymentId, charged: { amount, currency }, order: { total: order.total, currency: order.currency } },
      'order confirmed by a charge of another amount than its total: settle the difference with the customer',
    );
    if (deps.metrics) sagaMetrics(deps.metrics).amountMismatch.inc();
  };
