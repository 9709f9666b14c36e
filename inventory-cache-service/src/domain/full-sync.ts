import type { InventoryItem, StockLevel } from '@checkout/contracts';

export interface SyncDeps {
  source: { list(): Promise<InventoryItem[]> };
  target: {
    sync(levels: StockLevel[]): Promise<{ applied: number; ahead: string[] }>;
    overwrite(levels: StockLevel[]): Promise<number>;
    isSynced(): Promise<boolean>;
  };
  /** Misses start at most one sync per this interval: an unknown product must not mean a sync per query. */
  minIntervalMs: number;
  now?: () => number;
  /** Told of the levels written over newer ones, because inventory's store went back in time. */
  onOverwritten?: (levels: StockLevel[]) => void;
}

/**
 * Fills the cache from inventory-service's full list through the same apply-if-newer path events
 * use, so a sync that read an older list never rolls back a newer event. Concurrent callers share
 * one in-flight request.
 *
 * One exception: a product the cache holds a newer version of than inventory lists, on two passes
 * in a row with the same listed version both times. An event in flight explains that once (it was
 * applied after the list was read), never twice, since the next list has its version or a later
 * one. Twice, inventory's store has gone back in time (restored from a backup, a replica promoted,
 * its last writes lost in a crash), and its later versions repeat ones the cache already holds: a
 * product the cache says is sold out would be refused for good, restocks ignored. Its level is
 * written over the cache's (`onOverwritten`).
 */
export class FullSync {
  private inFlight?: Promise<number>;
  /** Products the cache held newer than the last pass' list, with the version listed. */
  private aheadLastPass = new Map<string, number>();
  private lastMissSyncAt = Number.NEGATIVE_INFINITY;
  private lastMissSyncFailed = false;
  /** The products inventory listed on the last sync: a miss of one of them is a loss, not an unknown id. */
  private listed = new Set<string>();

  constructor(private readonly deps: SyncDeps) {}

  run(): Promise<number> {
    this.inFlight ??= this.fetchAndApply().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  /**
   * On a cache miss of `missing`: join a running sync, or start one unless one started within the
   * interval and listed none of them (ids inventory does not know: a client asking for them again
   * and again must not mean a sync per query). One it listed was in the cache and is gone (a key
   * lost, a Redis restored from an older snapshot): answered absent, an in-stock product would be
   * refused as out of stock, so it is synced again at once. Rejects when the sync it relies on
   * failed, the one skipped for the interval included: a miss is then unknown, not absent.
   * `unsynced`: the store holds no full sync's mark (a Redis that came back empty), so what it holds
   * may be older than inventory's levels and a sync that succeeded within the interval is no reason
   * to skip another (one that failed still is).
   */
  async onMiss({ missing = [], unsynced = false }: { missing?: string[]; unsynced?: boolean } = {}): Promise<void> {
    if (this.inFlight) {
      await this.inFlight;
      return;
    }
    const now = (this.deps.now ?? Date.now)();
    if (now - this.lastMissSyncAt < this.deps.minIntervalMs) {
      if (this.lastMissSyncFailed) throw new Error('the last full sync failed');
      if (!unsynced && !missing.some((id) => this.listed.has(id))) return;
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
    const levels = (await this.deps.source.list()).map(({ productId, available, version }) => ({
      productId,
      available,
      version,
    }));
    const { applied, ahead } = await this.deps.target.sync(levels);
    this.listed = new Set(levels.map((l) => l.productId));
    const aheadNow = new Set(ahead);
    const aheadLevels = levels.filter((l) => aheadNow.has(l.productId));
    const wentBack = aheadLevels.filter((l) => this.aheadLastPass.get(l.productId) === l.version);
    this.aheadLastPass = new Map(aheadLevels.map((l) => [l.productId, l.version]));
    if (wentBack.length === 0) return applied;
    await this.deps.target.overwrite(wentBack);
    for (const l of wentBack) this.aheadLastPass.delete(l.productId);
    this.deps.onOverwritten?.(wentBack);
    return applied;
  }
}
