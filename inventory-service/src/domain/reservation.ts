import type { ItemQuantity } from '@checkout/contracts';

/**
 * RESERVED → COMMITTED (payment authorized) or RELEASED (payment failed, or expired).
 * FAILED is recorded when order.created could not be reserved, so a redelivery does nothing.
 */
export type ReservationStatus = 'RESERVED' | 'FAILED' | 'COMMITTED' | 'RELEASED';

export interface Reservation {
  orderId: string;
  status: ReservationStatus;
  items: ItemQuantity[];
  expiresAt?: string;
  code?: string;
  reason?: string;
}

export type StockFailureCode = 'UNKNOWN_PRODUCT' | 'INSUFFICIENT_STOCK';

export const expiryReason = 'RESERVATION_EXPIRED';
export const paymentFailedReason = (code: string) => `payment failed: ${code}`;
