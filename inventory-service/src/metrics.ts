import { serviceCounter, type Metrics } from '@checkout/chassis';

/** Saga outcomes on top of the chassis counters, in the same registry. */
export function createInventoryMetrics({ registry }: Metrics) {
  return {
    reservations: serviceCounter(
      registry,
      'inventory_reservations_total',
      'order.created outcomes (RESERVED, FAILED; DUPLICATE: handled before; REANNOUNCED: handled before and announced again by checkout, answered again with its first event)',
      ['outcome'],
    ),
    releases: serviceCounter(
      registry,
      'inventory_releases_total',
      'Reservations released, by cause (payment_failed, expired)',
      ['reason'],
    ),
    commitRejected: serviceCounter(
      registry,
      'inventory_commit_rejected_total',
      'payment.authorized that took no stock (unknown reservation; released by a failed payment; or expired and its units gone): a paid one needs a refund',
      ['status'],
    ),
    expiryHeld: serviceCounter(
      registry,
      'inventory_expiry_held_total',
      'Expired reservations not released yet because their payment may still be decided (payment_pending) or payment-service could not be asked (payment_unavailable); looked at again a second later',
      ['reason'],
    ),
    heldAnnounced: serviceCounter(
      registry,
      'inventory_held_reservations_announced_total',
      "stock.reserved of held expired reservations announced again (payment-service called the payment pending: it may hold the order's half alone, its stock.reserved never received)",
    ),
    heldExhausted: serviceCounter(
      registry,
      'inventory_held_reservations_exhausted_total',
      'Expired reservations still held for a pending payment after HELD_REANNOUNCE_MAX_TIMES copies of their stock.reserved: each needs an operator',
    ),
    expiryCommits: serviceCounter(
      registry,
      'inventory_expiry_commits_total',
      'Expired reservations the sweeper committed because payment-service said their payment was authorized, before their payment.authorized was seen (late, or lost)',
    ),
    lateCommits: serviceCounter(
      registry,
      'inventory_late_commits_total',
      'payment.authorized after the reservation expired and was released, whose units were taken again',
    ),
  };
}

export type InventoryMetrics = ReturnType<typeof createInventoryMetrics>;
