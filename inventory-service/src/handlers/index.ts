import type { HandlerMap } from '@checkout/chassis';
import type { InventoryMetrics } from '../metrics';
import type { ReservationStore } from '../store/reservation-store';
import { onOrderCreated } from './on-order-created';
import { onPaymentAuthorized } from './on-payment-authorized';
import { onPaymentFailed } from './on-payment-failed';

export const createHandlers = (reservations: ReservationStore, ttlMs: number, metrics: InventoryMetrics) =>
  ({
    'order.created': onOrderCreated(reservations, ttlMs, metrics),
    'payment.authorized': onPaymentAuthorized(reservations, metrics),
    'payment.failed': onPaymentFailed(reservations, metrics),
  }) satisfies HandlerMap;
