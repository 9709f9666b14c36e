import { serviceCounter, serviceGauge, serviceHistogram, type Metrics } from '@checkout/chassis';
import type { OrderFacts } from './order';

const SAGA_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900];

/**
 * What answers "where are orders stuck": accepted − confirmed − failed is the number in flight,
 * failures say at which stage and why, the histogram how long orders take to finish.
 */
export function sagaMetrics({ registry }: Metrics) {
  return {
    accepted: serviceCounter(registry, 'orders_accepted_total', 'Orders accepted with 202 (order.created emitted)'),
    confirmed: serviceCounter(registry, 'orders_confirmed_total', 'Orders moved to CONFIRMED'),
    abandoned: serviceCounter(
      registry,
      'checkouts_abandoned_total',
      'Checkouts whose client hung up before the order was written: nothing stored or emitted',
    ),
    failed: serviceCounter(registry, 'orders_failed_total', 'Orders moved to FAILED, by stage and code', [
      'stage',
      'code',
    ]),
    reannounced: serviceCounter(
      registry,
      'orders_reannounced_total',
      'order.created announced again for an open order no answer had moved on for a while (lost with a broker, or slow)',
    ),
    reannounceExhausted: serviceCounter(
      registry,
      'orders_reannounce_exhausted_total',
      'Open orders announced again REANNOUNCE_MAX_TIMES times without ending: each needs an operator',
    ),
    amountMismatch: serviceCounter(
      registry,
      'orders_amount_mismatch_total',
      'Orders confirmed by a charge whose amount or currency is not the order total: each needs an operator',
    ),
    duration: serviceHistogram(
      registry,
      'saga_duration_seconds',
      'From order creation to its terminal status (CONFIRMED or FAILED)',
      SAGA_BUCKETS,
      ['status'],
    ),
  };
}

/** Counts an order that just reached CONFIRMED or FAILED (called once, by the write that moved it). */
export function observeTerminal(
  metrics: Metrics,
  order: Pick<OrderFacts, 'createdAt'>,
  status: 'CONFIRMED' | 'FAILED',
  code?: string,
  stage?: string,
): void {
  const m = sagaMetrics(metrics);
  if (status === 'CONFIRMED') m.confirmed.inc();
  else m.failed.inc({ stage: stage ?? 'unknown', code: code ?? 'UNKNOWN' });
  const createdAt = Date.parse(order.createdAt);
  if (!Number.isNaN(createdAt)) m.duration.observe({ status }, Math.max(0, Date.now() - createdAt) / 1000);
}

/** Counts a checkout decision: accepted (order.created) or failed at validation (order.failed). */
export function countDecision(
  metrics: Metrics,
  event: { type: 'order.created' } | { type: 'order.failed'; data: { code: string } },
): void {
  const m = sagaMetrics(metrics);
  if (event.type === 'order.created') m.accepted.inc();
  else m.failed.inc({ stage: 'validation', code: event.data.code });
}

/**
 * Orders accepted and not yet ended, read from Redis on each scrape (every instance reports the same
 * figures: take the max). A growing oldest age is an order that stopped moving, which no counter
 * shows: alert on `max(orders_open_oldest_age_seconds)` past the longest healthy saga (the
 * reservation TTL, 15 min by default), then list them with GET /admin/orders/open.
 */
export function openOrderGauges(
  { registry }: Metrics,
  summary: () => Promise<{ total: number; oldestAgeMs: number }>,
): void {
  // One Redis read per scrape serves both gauges; a failed read keeps the last values.
  let pending: Promise<{ total: number; oldestAgeMs: number }> | undefined;
  const read = () => (pending ??= summary().finally(() => setImmediate(() => (pending = undefined))));
  serviceGauge(
    registry,
    'orders_open',
    'Orders accepted and not yet CONFIRMED or FAILED (all instances share them)',
    async () => (await read()).total,
  );
  serviceGauge(
    registry,
    'orders_open_oldest_age_seconds',
    'Age of the oldest order accepted and not yet ended (0 when there is none)',
    async () => (await read()).oldestAgeMs / 1000,
  );
}
