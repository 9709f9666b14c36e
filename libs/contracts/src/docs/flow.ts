import type { EventType } from '../topics';

export const SERVICE_PORTS = {
  'checkout-service': 3000,
  'validation-service': 3001,
  'inventory-cache-service': 3002,
  'inventory-service': 3003,
  'payment-service': 3004,
  'notification-service': 3005,
  'audit-service': 3006,
  'payment-gateway-mock': 3010,
} as const;

export type ServiceName = keyof typeof SERVICE_PORTS;

const EVERY_TOPIC: ServiceName[] = ['notification-service', 'audit-service'];

/** Who emits each event and who consumes it (ARCHITECTURE.md's table; the docs are generated from it). */
export const EVENT_FLOW: Record<EventType, { producer: ServiceName; consumers: ServiceName[]; summary: string }> = {
  'order.created': {
    producer: 'checkout-service',
    consumers: ['inventory-service', 'payment-service', ...EVERY_TOPIC],
    summary: 'A validated order was accepted (202): reserve its stock and hold its payment.',
  },
  'order.confirmed': {
    producer: 'checkout-service',
    consumers: EVERY_TOPIC,
    summary: 'The order is paid and its stock sold: terminal CONFIRMED.',
  },
  'order.failed': {
    producer: 'checkout-service',
    consumers: EVERY_TOPIC,
    summary: 'The order failed at validation, stock or payment: terminal FAILED.',
  },
  'stock.reserved': {
    producer: 'inventory-service',
    consumers: ['checkout-service', 'payment-service', 'inventory-cache-service', ...EVERY_TOPIC],
    summary: 'Every line of the order is reserved (all or nothing) until expiresAt.',
  },
  'stock.failed': {
    producer: 'inventory-service',
    consumers: ['checkout-service', 'payment-service', ...EVERY_TOPIC],
    summary: 'The order could not be reserved (insufficient stock or unknown product); nothing is held.',
  },
  'stock.released': {
    producer: 'inventory-service',
    consumers: ['inventory-cache-service', ...EVERY_TOPIC],
    summary: 'A reservation was given back (payment failed or the reservation expired).',
  },
  'stock.updated': {
    producer: 'inventory-service',
    consumers: ['inventory-cache-service', ...EVERY_TOPIC],
    summary:
      'An operator set a stock level (PUT /inventory/{productId}), demo stock was seeded, or a payment that came after its reservation expired took the released units again.',
  },
  'payment.authorized': {
    producer: 'payment-service',
    consumers: ['inventory-service', 'checkout-service', ...EVERY_TOPIC],
    summary: 'The gateway authorized the charge, exactly once per order.',
  },
  'payment.failed': {
    producer: 'payment-service',
    consumers: ['inventory-service', 'checkout-service', ...EVERY_TOPIC],
    summary: 'The charge was declined, the gateway stayed down, or the reservation expired first.',
  },
};
