import type { InventoryItem, StockLevel } from '@checkout/contracts';

/** What a pass changed because inventory's store went back in time (see FullSync). */
export interface WentBack {
  /** Levels written over the cache's. */
  overwritten: StockLevel[];
  /** Products dropped from the cache: inventory no longer lists them. */
  dropped: string[];
}

/** What a sync pass did to the hash (StockStore.sync). */
export interface SyncResult {
  applied: number;
  /** Products the cache disagrees with the list about, by their cached value. */
  disagree: Map<string, string>;
  /** Products the cache holds that the list lacks, by their cached value. */
  unlisted: Map<string, string>;
  /** Whether the hash kept its generation and was marked synced. */
  marked: boolean;
}

/** List reads a pass makes at most while the hash keeps being deleted under it. */
const SYNC_ATTEMPTS = 3;

export interface SyncDeps {
  source: { list(): Promise<InventoryItem[]> };
  target: {
    beginSync(): Promise<string>;
    sync(levels: StockLevel[], generation: string): Promise<SyncResult>;
    overwrite(levels: StockLevel[], held: Map<string, string>): Promise<string[]>;
    drop(held: Map<string, string>): Promise<string[]>;
    isSynced(): Promise<boolean>;
  };
  /** Misses start at most one sync per this interval: an unknown product must not mean a sync per query. */
  minIntervalMs: number;
  now?: () => number;
  /** Told of the levels written over the cache's and the products dropped, because inventory's store went back in time. */
  onWentBack?: (change: WentBack) => void;
}

/**
 * Fills the cache from inventory-service's full list through the same apply-if-newer path events
 * use, so a sync that read an older list never rolls back a newer event. Concurrent callers share
 * one in-flight request.
 *
 * The exceptions are what inventory's store going back in time (restored from a backup, a replica
 * promoted, its last writes lost in a crash) leaves behind, each taken only when two passes in a
 * row see it, which an event applied after a pass read its list explains once, never twice:
 * - A product the cache disagrees with the list about, with the same listed version both times: the
 *   cache holds a newer version, or the same version with another level (one history never gives a
 *   version two levels). Inventory's later versions repeat ones the cache holds, and apply-if-newer
 *   would keep the cache's level: a product the cache says is sold out refused for good, restocks
 *   ignored. Inventory's level is written over the cache's.
 * - A product the cache holds that inventory does not list, with the same cached value both times
 *   (its store lost it, or was restored from before it was created): orders for it would pass
 *   validation on the cache's level, then fail at inventory. It is dropped from the cache.
 */
export class FullSync {
  private inFlight?: Promise<number>;
  /** Products the cache disagreed with the last pass' list about, with the version listed. */
  private disagreedLastPass = new Map<string, number>();
  /** Products the cache held that the last pass' list lacked, with the value cached. */
  private unlistedLastPass = new Map<string, string>();
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

  /**
   * A pass. The hash's generation is read before the list: a hash deleted or lost while the list was
   * read (an operator's DEL, a Redis restarted empty) may have held events newer than the list, now
   * gone with it, so the list is applied but the hash is not marked synced, and the list is read
   * again, newer than anything the lost hash held. At most `SYNC_ATTEMPTS` reads; a hash still
   * unmarked after them syncs again on its next query.
   */
  private async fetchAndApply(): Promise<number> {
    let pass: SyncResult & { levels: StockLevel[] };
    let attempts = 0;
    do {
      const generation = await this.deps.target.beginSync();
      const levels = (await this.deps.source.list()).map(({ productId, available, version }) => ({
        productId,
        available,
        version,
      }));
      pass = { levels, ...(await this.deps.target.sync(levels, generation)) };
      attempts++;
    } while (!pass.marked && attempts < SYNC_ATTEMPTS);
    const { levels, applied, disagree, unlisted } = pass;
    this.listed = new Set(levels.map((l) => l.productId));
    const disagreeing = levels.filter((l) => disagree.has(l.productId));
    const wentBack = disagreeing.filter((l) => this.disagreedLastPass.get(l.productId) === l.version);
    this.disagreedLastPass = new Map(disagreeing.map((l) => [l.productId, l.version]));
    const gone = new Map([...unlisted].filter(([productId, value]) => this.unlistedLastPass.get(productId) === value));
    this.unlistedLastPass = unlisted;
    if (wentBack.length === 0 && gone.size === 0) return applied;
    // Each only where the cache still holds what this pass saw: an event since is newer than either.
    const written = new Set(await this.deps.target.overwrite(wentBack, disagree));
    const dropped = await this.deps.target.drop(gone);
    for (const l of wentBack) this.disagreedLastPass.delete(l.productId);
    for (const productId of gone.keys()) this.unlistedLastPass.delete(productId);
    const overwritten = wentBack.filter((l) => written.has(l.productId));
    if (overwritten.length > 0 || dropped.length > 0) this.deps.onWentBack?.({ overwritten, dropped });
    return applied;
  }
}
