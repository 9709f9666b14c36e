import type { CachedStock } from '@checkout/contracts';
import { dependencyUnavailable, type Logger, type RequestContext } from '@checkout/chassis';
import type { StockStore } from '../store/stock-store';
import type { FullSync } from './full-sync';

/**
 * Answers from the cache; products it misses are looked up once more after a full sync, and so is
 * everything while no full sync has filled the store (a Redis that came back empty holds only what
 * events wrote since, which may be older than what it held: the version rule had nothing to compare
 * with). When that sync cannot reach inventory-service, a level is unknown, not zero: the answer is
 * 503, so a cold cache during an inventory outage never turns orders away as out of stock.
 * Queries a synced cache holds entirely are answered whatever inventory-service's state.
 */
export class StockReader {
  constructor(
    private readonly store: Pick<StockStore, 'get'>,
    private readonly sync: Pick<FullSync, 'onMiss'>,
    private readonly logger: Logger,
  ) {}

  /** `ctx`: the request's, whose correlation id the line of a failed sync carries. */
  async read(productIds: string[], ctx?: RequestContext): Promise<CachedStock[]> {
    const ids = [...new Set(productIds)];
    const { items, synced } = await this.store.get(ids);
    if (synced && items.length === ids.length) return items;
    const held = new Set(items.map((i) => i.productId));
    try {
      await this.sync.onMiss({ missing: ids.filter((id) => !held.has(id)), unsynced: !synced });
    } catch (err) {
      this.logger.warn(
        { err: (err as Error).message, correlationId: ctx?.correlationId },
        'full sync on a cache miss failed',
      );
      throw dependencyUnavailable('inventory-service', err);
    }
    const after = await this.store.get(ids);
    // The hash lost its mark again since the sync (deleted, or a Redis that came back empty): a
    // product it lacks is unknown, not absent.
    if (!after.synced && after.items.length < ids.length)
      throw dependencyUnavailable('inventory-cache (its store was emptied during a full sync)');
    return after.items;
  }
}
