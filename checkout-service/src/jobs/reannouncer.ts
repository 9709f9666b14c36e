import { PeriodicJob, type Logger, type Metrics } from '@checkout/chassis';
import { sagaMetrics } from '../domain/saga-metrics';
import type { OrderStore } from '../store/order-store';

export interface ReannouncerOptions {
  orders: OrderStore;
  /** How long an open order waits for its end before order.created is announced again. */
  firstWaitMs: number;
  /** The longest wait between two re-announcements of one order (the wait doubles each time). */
  longestWaitMs: number;
  logger: Logger;
  metrics: Metrics;
}

/** How many order ids one log line names; the count says how many there were. */
const NAMED = 10;

/**
 * Re-drives the saga of orders that stopped moving. Checkout's write of an order and its
 * order.created is atomic, and the outbox retries until Kafka acknowledges; but a broker that
 * loses its log (replaced, restarted without its disks) loses the event or the answers to it after
 * that acknowledgement, and the order would stay PENDING for good. So an order open longer than
 * `firstWaitMs` has its order.created, same ce_id, announced again: inventory and payment answer
 * an order they handled with the event they answered first, and one they never saw as new. The
 * copy costs a slow order nothing but a duplicate its consumers dedupe.
 */
export class Reannouncer {
  private readonly job: PeriodicJob;

  constructor(private readonly opts: ReannouncerOptions) {
    // Looked at several times per first wait, so an order is re-announced soon after it is due.
    const everyMs = Math.min(10_000, Math.max(250, Math.floor(opts.firstWaitMs / 4)));
    this.job = new PeriodicJob('re-announcing stuck orders', everyMs, () => this.runOnce(), opts.logger);
  }

  start(): void {
    this.job.start();
  }

  stop(): Promise<void> {
    return this.job.stop();
  }

  /** One pass; returns how many orders it re-announced. */
  async runOnce(): Promise<number> {
    const { orders, firstWaitMs, longestWaitMs, logger, metrics } = this.opts;
    const again = await orders.reannounceStuck(firstWaitMs, longestWaitMs);
    if (again.length === 0) return 0;
    sagaMetrics(metrics).reannounced.inc(again.length);
    logger.warn(
      { count: again.length, orders: again.slice(0, NAMED), firstWaitMs },
      'open orders with no answer for a while: order.created announced again',
    );
    return again.length;
  }
}
