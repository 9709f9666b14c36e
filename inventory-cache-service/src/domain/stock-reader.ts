import type { CachedStock } from '@checkout/contracts';
import { dependencyUnavailable, type Logger } from '@checkout/chassis';
import type { StockStore } from '../store/stock-store';
import type { FullSync } from './full-sync';

/**
 * Answers from the cache; products it misses are looked up once more after a full sync. When that
 * sync cannot reach inventory-service, a missed product's level is unknown, not zero: the answer
 * is 503, so a cold cache during an inventory outage never turns orders away as out of stock.
 * Queries the cache holds entirely are answered whatever inventory-service's state.
 */
export class StockReader {
  constructor(
    private readonly store: Pick<StockStore, 'get'>,
    private readonly sync: Pick<FullSync, 'onMiss'>,
    private readonly logger: Logger,
  ) {}

  async read(productIds: string[]): Promise<CachedStock[]> {
    const ids = [...new Set(productIds)];
    const found = await this.store.get(ids);
    if (found.length === ids.length) return found;
    try {
      await this.sync.onMiss();
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'full sync on a cache miss failed');
      throw dependencyUnavailable('inventory-service', err);
    }
    return this.store.get(ids);
  }
}
