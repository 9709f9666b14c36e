import type { EventHandler } from '@checkout/chassis';
import { UNKNOWN_RECIPIENT } from '../domain/notification';
import type { Notifier } from '../usecases/notifier';

/**
 * A validation failure never gets an order.created, so there is no customer to wait for: it is
 * recorded for "unknown" and not mailed. The client has its 422 already, and mailing an address a
 * refused request named would make the shop a free mailer for anyone (a refusal takes no stock).
 */
export const onOrderFailed =
  (notifier: Notifier): EventHandler<'order.failed'> =>
  async (event, ctx) => {
    const { orderId, stage, code, reason } = event.data;
    const pending = { template: 'order-failed' as const, orderId, vars: { code, reason } };
    if (stage === 'validation') await notifier.send(pending, UNKNOWN_RECIPIENT, undefined, ctx);
    else await notifier.notifyCustomer(pending, ctx);
  };
