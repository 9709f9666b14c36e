import { PeriodicJob, serviceCounter, type Logger, type Metrics, type Redis } from '@checkout/chassis';
import type { FullSync, WentBack } from '../domain/full-sync';

/**
 * FullSync's `onWentBack`: inventory's store went back in time, so levels were written over the
 * cache's, or products it no longer lists were dropped. Said at error level (someone restored or
 * failed over inventory's Redis, or it lost writes) and counted in
 * `stock_cache_overwritten_levels_total` and `stock_cache_dropped_products_total`.
 */
export function reportWentBack({ logger, metrics }: { logger: Logger; metrics: Metrics }) {
  const overwrittenLevels = serviceCounter(
    metrics.registry,
    'stock_cache_overwritten_levels_total',
    'Levels written over the ones the cache held: inventory listed an older version, or the same version with another level, twice in a row (its store went back in time)',
  );
  const droppedProducts = serviceCounter(
    metrics.registry,
    'stock_cache_dropped_products_total',
    'Products dropped from the cache: inventory did not list them twice in a row (its store lost them or went back in time)',
  );
  return ({ overwritten, dropped }: WentBack): void => {
    if (overwritten.length > 0) {
      overwrittenLevels.inc(overwritten.length);
      logger.error(
        { count: overwritten.length, products: overwritten.slice(0, 10).map((l) => l.productId) },
        "inventory listed other stock levels than the cache held (older, or another level at the same version), on two passes: its store went back in time (a restore, a failover, lost writes); the cache now holds inventory's levels",
      );
    }
    if (dropped.length > 0) {
      droppedProducts.inc(dropped.length);
      logger.error(
        { count: dropped.length, products: dropped.slice(0, 10) },
        'inventory no longer lists products the cache held, on two passes: its store lost them (a restore, a failover, lost writes); the cache dropped them, so orders for them are refused until inventory has them again',
      );
    }
  };
}

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

/**
 * A full sync each time the cache's Redis connection comes back (not the first connect: start-up
 * syncs an unsynced store itself). A server restarted from its AOF may have lost its last second,
 * a replica promoted or a snapshot restored may be older: the hash keeps its mark and generation
 * but holds levels older than inventory's, which apply-if-newer puts right at once instead of at the
 * next periodic pass (up to `SYNC_EVERY_MS`). A failed sync is left to that pass and to misses.
 */
export function resyncOnReconnect(redis: Redis, sync: Pick<FullSync, 'run'>, logger: Logger): void {
  let connected = redis.status === 'ready';
  redis.on('ready', () => {
    if (!connected) {
      connected = true;
      return;
    }
    sync
      .run()
      .then((levels) => levels > 0 && logger.info({ levels }, 'full sync after Redis reconnected applied newer levels'))
      .catch((err: unknown) => logger.warn({ err }, 'full sync after Redis reconnected failed'));
  });
}
