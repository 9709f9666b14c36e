import type { EventHandler } from '@checkout/chassis';
import { UNKNOWN_RECIPIENT } from '../domain/notification';
import type { Notifier } from '../usecases/notifier';

/**
 * A validation failure never gets an order.created, so there is no customer to wait for: it names
 * its own (one from a checkout that predates the field goes to "unknown").
 */
export const onOrderFailed =
  (notifier: Notifier): EventHandler<'order.failed'> =>
  async (event, { log }) => {
    const { orderId, stage, reason, customer } = event.data;
    const pending = { template: 'order-failed' as const, orderId, vars: { reason } };
    if (stage !== 'validation') await notifier.notifyCustomer(pending, log);
    else await notifier.send(pending, customer?.email ?? UNKNOWN_RECIPIENT, customer, log);
  };
