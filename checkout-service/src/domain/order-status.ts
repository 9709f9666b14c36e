import type { OrderStatus } from '@checkout/contracts';

/**
 * Status only moves forward: a late or duplicate event whose target ranks no higher than the
 * current status changes nothing. CONFIRMED and FAILED share the top rank, so both are final.
 */
export const STATUS_RANK: Record<OrderStatus, number> = {
  PENDING: 0,
  STOCK_RESERVED: 1,
  CONFIRMED: 2,
  FAILED: 2,
};

/** The rank CONFIRMED and FAILED share: nothing moves an order out of it. */
export const TERMINAL_RANK = Math.max(...Object.values(STATUS_RANK));

export const isTerminal = (status: OrderStatus): boolean => STATUS_RANK[status] === TERMINAL_RANK;
