import type { InventoryItem, StockLevel } from '@checkout/contracts';

export interface SyncDeps {
  source: { list(): Promise<InventoryItem[]> };
  target: {
    apply(levels: StockLevel[], opts: { fullSync: boolean }): Promise<number>;
    isSynced(): Promise<boolean>;
  };
  /** Misses start at most one sync per this interval: an unknown product must not mean a sync per query. */
  minIntervalMs: number;
  now?: () => number;
}

/**
 * Fills the cache from inventory-service's full list through the same apply-if-newer path events
 * use, so a sync that read an older list never rolls back a newer event. Concurrent callers share
 * one in-flight request.
 */
export class FullSync {
  private inFlight?: Promise<number>;
  private lastMissSyncAt = Number.NEGATIVE_INFINITY;
  private lastMissSyncFailed = false;

  constructor(private readonly deps: SyncDeps) {}

  run(): Promise<number> {
    this.inFlight ??= this.fetchAndApply().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  /**
   * On a cache miss: join a running sync, or start one unless one started within the interval.
   * Rejects when the sync it relies on failed, the one skipped for the interval included: a miss
   * is then unknown, not absent. `unsynced`: the store holds no full sync's mark (a Redis that came
   * back empty), so what it holds may be older than inventory's levels and a sync that succeeded
   * within the interval is no reason to skip another (one that failed still is).
   */
  async onMiss({ unsynced = false } = {}): Promise<void> {
    if (this.inFlight) {
      await this.inFlight;
      return;
    }
    const now = (this.deps.now ?? Date.now)();
    if (now - this.lastMissSyncAt < this.deps.minIntervalMs) {
      if (this.lastMissSyncFailed) throw new Error('the last full sync failed');
      if (!unsynced) return;
    }
    this.lastMissSyncAt = now;
    try {
      await this.run();
      this.lastMissSyncFailed = false;
    } catch (err) {
      this.lastMissSyncFailed = true;
      throw err;
    }
  }

  /** Syncs unless a full sync already filled this store (a Redis that came back empty has not). */
  async fillIfUnsynced(): Promise<boolean> {
    if (await this.deps.target.isSynced()) return false;
    await this.run();
    return true;
  }

  private async fetchAndApply(): Promise<number> {
    const items = await this.deps.source.list();
    return this.deps.target.apply(
      items.map(({ productId, available, version }) => ({ productId, available, version })),
      { fullSync: true },
    );
  }
}
