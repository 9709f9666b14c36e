import { PeriodicJob, serviceCounter, type Logger, type Metrics } from '@checkout/chassis';
import type { FullSync } from '../domain/full-sync';

/**
 * A full sync every `intervalMs`, through the same apply-if-newer script as events, so it never
 * rolls back a newer level. Without it a level whose event the cache never got (lost with a
 * broker's log, dead-lettered) is served until that product's level changes again: orders turned
 * away for stock that is there, or sent on to fail at inventory. `stock_cache_resync_levels_total`
 * counts the levels a pass found newer than the cache held: under load mostly events about to be
 * consumed anyway; on a quiet system, events the cache missed.
 */
export function periodicResync(
  sync: Pick<FullSync, 'run'>,
  intervalMs: number,
  { logger, metrics }: { logger: Logger; metrics: Metrics },
): PeriodicJob {
  const applied = serviceCounter(
    metrics.registry,
    'stock_cache_resync_levels_total',
    'Levels a periodic full sync found newer than the cache held (events not consumed yet, or missed)',
  );
  return new PeriodicJob(
    'periodic full sync',
    intervalMs,
    async () => {
      const levels = await sync.run();
      if (levels === 0) return;
      applied.inc(levels);
      logger.info({ levels }, 'periodic full sync applied levels the cache did not hold');
    },
    logger,
  );
}
