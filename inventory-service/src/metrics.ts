import type { Metrics } from '@checkout/chassis';
import { Counter } from 'prom-client';

export interface InventoryMetrics {
  reservations: Counter<'outcome'>;
  releases: Counter<'reason'>;
  commitRejected: Counter<'status'>;
  lateCommits: Counter;
  expiryHeld: Counter<'reason'>;
}

/** Saga outcomes on top of the chassis counters, in the same registry. */
export function createInventoryMetrics({ registry }: Metrics): InventoryMetrics {
  const counter = <L extends string>(name: string, help: string, label: L) =>
    (registry.getSingleMetric(name) as Counter<L> | undefined) ??
    new Counter({ name, help, labelNames: [label], registers: [registry] });
  return {
    reservations: counter(
      'inventory_reservations_total',
      'order.created outcomes (RESERVED, FAILED, DUPLICATE)',
      'outcome',
    ),
    releases: counter(
      'inventory_releases_total',
      'Reservations released, by cause (payment_failed, expired)',
      'reason',
    ),
    commitRejected: counter(
      'inventory_commit_rejected_total',
      'payment.authorized that took no stock (unknown reservation; released by a failed payment; or expired and its units gone): a paid one needs a refund',
      'status',
    ),
    expiryHeld: counter(
      'inventory_expiry_held_total',
      'Expired reservations not released yet because their payment may still be decided (payment_pending, payment_authorized) or payment-service could not be asked (payment_unavailable); looked at again a second later',
      'reason',
    ),
    lateCommits:
      (registry.getSingleMetric('inventory_late_commits_total') as Counter | undefined) ??
      new Counter({
        name: 'inventory_late_commits_total',
        help: 'payment.authorized after the reservation expired and was released, whose units were taken again',
        registers: [registry],
      }),
  };
}
