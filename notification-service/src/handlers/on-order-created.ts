import type { EventHandler } from '@checkout/chassis';
import type { Notifier } from '../usecases/notifier';

/** Remembers who ordered, sends order-received, then releases anything that waited for the customer. */
export const onOrderCreated =
  (notifier: Notifier): EventHandler<'order.created'> =>
  async (event, ctx) => {
    const { orderId, customer, total, currency } = event.data;
    await notifier.onCustomerKnown(
      orderId,
      customer,
      {
        template: 'order-received',
        orderId,
        vars: { total: String(total), currency },
      },
      ctx,
    );
  };
