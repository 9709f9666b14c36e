import type { EventHandler, HandlerMap } from '@checkout/chassis';
import { EVENT_TYPES } from '@checkout/contracts';
import type { Notifier } from '../usecases/notifier';
import { onOrderConfirmed } from './on-order-confirmed';
import { onOrderCreated } from './on-order-created';
import { onOrderFailed } from './on-order-failed';

const acknowledge: EventHandler = async () => undefined;

/** Every topic is consumed (the contract says so); only three events lead to a notification. */
export function createHandlers(notifier: Notifier): HandlerMap {
  const handlers: HandlerMap = Object.fromEntries(EVENT_TYPES.map((type) => [type, acknowledge]));
  return {
    ...handlers,
    'order.created': onOrderCreated(notifier),
    'order.confirmed': onOrderConfirmed(notifier),
    'order.failed': onOrderFailed(notifier),
  };
}
