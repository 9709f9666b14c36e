import type { CachedStock } from '@checkout/contracts';
import type { Logger } from '@checkout/chassis';
import type { StockStore } from '../store/stock-store';
import type { FullSync } from './full-sync';

/**
 * Answers from the cache; products it misses are looked up once more after a full sync. When
 * inventory-service cannot be reached the answer is what the cache holds: a miss stays absent.
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
      this.logger.warn({ err: (err as Error).message }, 'full sync on a cache miss failed; answering from the cache');
      return found;
    }
    return this.store.get(ids);
  }
}
