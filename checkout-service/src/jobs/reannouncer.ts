import { PeriodicJob, type Logger, type Metrics } from '@checkout/chassis';
import { sagaMetrics } from '../domain/saga-metrics';
import type { OrderStore } from '../store/order-store';

export interface ReannouncerOptions {
  /** Built with the first wait (REANNOUNCE_AFTER_MS): it schedules each order's first turn. */
  orders: OrderStore;
  firstWaitMs: number;
  /** The longest wait between two re-announcements of one order (the wait doubles each time). */
  longestWaitMs: number;
  /** After this many, an order is left to an operator. */
  mostTimes: number;
  logger: Logger;
  metrics: Metrics;
}

/** How many order ids one log line names; the count says how many there were. */
const NAMED = 10;

/**
 * Re-drives the saga of orders that stopped moving. Checkout's write of an order and its
 * order.created is atomic, and the outbox retries until Kafka acknowledges; but a broker that
 * loses its log (replaced, restarted without its disks) loses the event or the answers to it after
 * that acknowledgement, and the order would stay open for good. So an order open longer than
 * `firstWaitMs` has its order.created, same ce_id, announced again, then after doubling waits:
 * inventory and payment answer a copy of an order they handled with the event they answered first,
 * and handle one they never saw. A copy costs a slow order nothing but a duplicate its consumers
 * dedupe. While the outbox itself is stuck (Kafka not taking what is written) no pass runs: the
 * orders' events are still waiting there, and copies would only lengthen the queue. Nor for one
 * first wait after it drains again: every order accepted during the outage is due by then, and its
 * event has only just gone out, so a copy now would follow it by moments, for every such order.
 */
export class Reannouncer {
  private readonly job: PeriodicJob;
  private readonly stuckOutboxMs: number;
  /** No pass before this (Date.now()): the outbox was stuck until a first wait before it. */
  private quietUntil = 0;

  constructor(private readonly opts: ReannouncerOptions) {
    // Looked at several times per first wait, so an order is announced again soon after it is due.
    const everyMs = Math.min(10_000, Math.max(250, Math.floor(opts.firstWaitMs / 4)));
    this.stuckOutboxMs = Math.min(5000, opts.firstWaitMs);
    this.job = new PeriodicJob('re-announcing stuck orders', everyMs, () => this.runOnce(), opts.logger);
  }

  start(): void {
    this.job.start();
  }

  stop(): Promise<void> {
    return this.job.stop();
  }

  /** One pass; returns how many orders it announced again. */
  async runOnce(): Promise<number> {
    const { orders, longestWaitMs, mostTimes, logger, metrics } = this.opts;
    const waitedMs = await orders.outboxWaitMs();
    if (waitedMs > this.stuckOutboxMs) {
      this.quietUntil = Date.now() + this.opts.firstWaitMs;
      logger.debug({ waitedMs }, 'outbox not draining: no order announced again for now');
      return 0;
    }
    if (Date.now() < this.quietUntil) return 0;
    const { again, failed } = await orders.reannounceDue(longestWaitMs, mostTimes);
    if (failed > 0) logger.warn({ failed }, 'some orders could not be announced again: tried on a later pass');
    if (again.length === 0) return 0;
    const saga = sagaMetrics(metrics);
    saga.reannounced.inc(again.length);
    logger.warn(
      { count: again.length, orders: again.slice(0, NAMED), firstWaitMs: this.opts.firstWaitMs },
      'open orders with no answer for a while: order.created announced again',
    );
    const last = again.filter((o) => o.last);
    if (last.length > 0) {
      saga.reannounceExhausted.inc(last.length);
      logger.error(
        { count: last.length, orders: last.slice(0, NAMED).map((o) => o.orderId), times: mostTimes },
        'orders still open after their last re-announcement: look at them (GET /admin/orders/open, their audit timeline)',
      );
    }
    return again.length;
  }
}
