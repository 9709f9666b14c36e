export const EVENT_TYPES = [
  'order.created',
  'order.confirmed',
  'order.failed',
  'stock.reserved',
  'stock.failed',
  'stock.released',
  'stock.updated',
  'payment.authorized',
  'payment.failed',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/** One topic per event type, named exactly as the type. */
export const topicOf = (type: EventType): string => type;

export const dlqTopic = (service: string): string => `dlq.${service}`;

/** The services that consume events or relay an outbox, so the ones with a `dlq.<service>` topic. */
export const DEAD_LETTERING_SERVICES = [
  'checkout-service',
  'inventory-cache-service',
  'inventory-service',
  'payment-service',
  'notification-service',
  'audit-service',
] as const;

export const isEventType = (value: string): value is EventType => (EVENT_TYPES as readonly string[]).includes(value);
