import type { Logger, Redis, Runtime } from '@checkout/chassis';
import { loadDemoStock } from '../domain/demo-stock';
import type { StockStore } from '../store/stock-store';

/**
 * Seeds the demo stock before the consumer joins, so no order.created meets an empty store on a
 * first start; and again on every reconnect, since a Redis restarted without persistence comes back
 * empty while this process runs on. A store with stock or a seed marker is left alone, so repeats
 * are harmless. Sent from the 'ready' event itself, the seed reaches Redis ahead of any handler's
 * retried command. Not called with DEMO_STOCK=false (a deployment whose stock is real).
 */
export function keepDemoStock(
  runtime: Pick<Runtime, 'onStart' | 'untilDone'>,
  redis: Redis,
  stock: Pick<StockStore, 'seed'>,
  logger: Logger,
): void {
  const seed = async (): Promise<number> => {
    const seeded = await stock.seed(loadDemoStock());
    if (seeded > 0) logger.info({ products: seeded }, 'demo stock seeded');
    return seeded;
  };
  let seededOnce = false;
  runtime.onStart('demo stock seed', async () => {
    await seed();
    seededOnce = true;
  });
  redis.on('ready', () => {
    // The first connect is start-up's (above), before the producer and relay are up. Retried until
    // it succeeds; it gives up only once shutdown began.
    if (!seededOnce) return;
    runtime
      .untilDone('demo stock re-seed', async () => {
        // Found empty after having had stock: whatever was sold or set since is forgotten, and the
        // demo levels put units that are gone on sale again.
        if ((await seed()) > 0)
          logger.error(
            'the stock was lost (Redis came back empty) and the demo stock was seeded again: units sold or levels set before are forgotten; set real levels with PUT /inventory/{productId}, or run with DEMO_STOCK=false',
          );
      })
      .catch(() => undefined);
  });
}
