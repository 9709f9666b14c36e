import type { EventHandler } from '@checkout/chassis';
import type { Notifier } from '../usecases/notifier';

export const onOrderConfirmed =
  (notifier: Notifier): EventHandler<'order.confirmed'> =>
  async (event, ctx) => {
    const { orderId, total, currency } = event.data;
    await notifier.notifyCustomer(
      { template: 'order-confirmed', orderId, vars: { total: String(total), currency } },
      ctx,
    );
  };
