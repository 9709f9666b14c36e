import type { EventHandler } from '@checkout/chassis';
import { UNKNOWN_RECIPIENT } from '../domain/notification';
import type { Notifier } from '../usecases/notifier';

/** A validation failure never gets an order.created, so there is no customer to wait for. */
export const onOrderFailed =
  (notifier: Notifier): EventHandler<'order.failed'> =>
  async (event, { log }) => {
    const { orderId, stage, reason } = event.data;
    const pending = { template: 'order-failed' as const, orderId, vars: { reason } };
    if (stage === 'validation') await notifier.send(pending, UNKNOWN_RECIPIENT, undefined, log);
    else await notifier.notifyCustomer(pending, log);
  };
