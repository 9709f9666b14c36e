import type { z } from 'zod';
import type { EventType } from '../topics';
import { OrderConfirmed } from './order-confirmed';
import { OrderCreated } from './order-created';
import { OrderFailed } from './order-failed';
import { PaymentAuthorized } from './payment-authorized';
import { PaymentFailed } from './payment-failed';
import { StockFailed } from './stock-failed';
import { StockReleased } from './stock-released';
import { StockReserved } from './stock-reserved';
import { StockUpdated } from './stock-updated';

export * from './order-confirmed';
export * from './order-created';
export * from './order-failed';
export * from './payment-authorized';
export * from './payment-failed';
export * from './stock-failed';
export * from './stock-released';
export * from './stock-reserved';
export * from './stock-updated';

/** The one place that says which schema each event type's data must satisfy. */
export const EVENT_SCHEMAS = {
  'order.created': OrderCreated,
  'order.confirmed': OrderConfirmed,
  'order.failed': OrderFailed,
  'stock.reserved': StockReserved,
  'stock.failed': StockFailed,
  'stock.released': StockReleased,
  'stock.updated': StockUpdated,
  'payment.authorized': PaymentAuthorized,
  'payment.failed': PaymentFailed,
} as const satisfies Record<EventType, z.ZodType>;

export type EventDataMap = { [K in EventType]: z.infer<(typeof EVENT_SCHEMAS)[K]> };
export type EventData<T extends EventType> = EventDataMap[T];

/** The Kafka key of an event: its orderId, or productId for stock.updated. */
export const eventKey = <T extends EventType>(type: T, data: EventData<T>): string =>
  type === 'stock.updated' ? (data as EventData<'stock.updated'>).productId : (data as { orderId: string }).orderId;
