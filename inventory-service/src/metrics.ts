import type { Metrics } from '@checkout/chassis';
import { Counter } from 'prom-client';

export interface InventoryMetrics {
  reservations: Counter<'outcome'>;
  releases: Counter<'reason'>;
  commitRejected: Counter<'status'>;
  lateCommits: Counter;
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
    lateCommits:
      (registry.getSingleMetric('inventory_late_commits_total') as Counter | undefined) ??
      new Counter({
        name: 'inventory_late_commits_total',
        help: 'payment.authorized after the reservation expired and was released, whose units were taken again',
        registers: [registry],
      }),
  };
}
