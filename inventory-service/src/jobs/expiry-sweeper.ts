import type { Logger } from '@checkout/chassis';
import { expiryReason } from '../domain/reservation';
import type { InventoryMetrics } from '../metrics';
import type { ReservationStore } from '../store/reservation-store';

const BATCH = 100;

export interface SweeperOptions {
  reservations: ReservationStore;
  graceMs: number;
  intervalMs: number;
  logger: Logger;
  metrics: InventoryMetrics;
}

/**
 * Releases reservations that passed expiresAt + grace without a payment outcome. Several instances
 * may sweep at once: the release script acts only on a RESERVED, due reservation.
 */
export class ExpirySweeper {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = true;

  constructor(private readonly opts: SweeperOptions) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** Releases everything due at `now`; returns how many reservations it released. */
  async sweep(now = Date.now()): Promise<number> {
    const { reservations, graceMs, metrics, logger } = this.opts;
    const dueBefore = now - graceMs;
    let released = 0;
    for (;;) {
      // Every id listed leaves the expiry set (released, or dropped as no longer RESERVED).
      const due = await reservations.due(dueBefore, BATCH);
      for (const orderId of due) {
        if ((await reservations.release(orderId, expiryReason, { dueBefore })) !== 'RELEASED') continue;
        released++;
        metrics.releases.inc({ reason: 'expired' });
        logger.info({ orderId }, 'expired reservation released');
      }
      if (due.length < BATCH || this.stopped) return released;
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.sweep()
        .then(() => undefined)
        .catch((err: unknown) => this.opts.logger.warn({ err }, 'expiry sweep failed, will retry'))
        .finally(() => this.schedule());
    }, this.opts.intervalMs);
    this.timer.unref();
  }
}
