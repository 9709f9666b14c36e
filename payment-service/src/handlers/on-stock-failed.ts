import type { EventHandler } from '@checkout/chassis';
import type { PaymentStore } from '../store/payment-store';

/**
 * The order could not be reserved, so it will never be charged: its record is closed as FAILED
 * with the stock code (no gateway call, no event: checkout fails the order from stock.failed
 * itself) and the token it held is dropped. Arriving before order.created, it closes the record
 * first, and the order's half is then refused like any half of a decided payment.
 */
export const onStockFailed =
  (store: PaymentStore): EventHandler<'stock.failed'> =>
  async (event, ctx) => {
    const { orderId, code, reason } = event.data;
    const closed = await store.closeUncharged(orderId, code, reason);
    ctx.log.debug({ orderId, closed }, 'order failed at stock: nothing to charge');
  };
