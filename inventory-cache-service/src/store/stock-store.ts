import { defineScript, type Redis } from '@checkout/chassis';
import type { CachedStock, StockLevel } from '@checkout/contracts';
import { APPLY_LEVELS_LUA, SYNCED_FIELD } from './apply-levels.lua';

/**
 * The read model: one hash `<prefix>:stock`, field productId, value `<version>:<available>`.
 * Every write goes through apply-if-newer, so events and syncs may arrive in any order. A full sync
 * also sets the field `:synced`: a hash without it (a Redis that came back empty) holds only what
 * events wrote since, which the version rule could not check, so it is synced again before it
 * answers (see StockReader).
 */
export class StockStore {
  private readonly key: string;
  private readonly applyLevels: (keys: string[], ...args: string[]) => Promise<unknown>;

  constructor(
    private readonly redis: Redis,
    prefix = 'inventory-cache',
  ) {
    this.key = `${prefix}:stock`;
    this.applyLevels = defineScript<string[]>(redis, 1, APPLY_LEVELS_LUA);
  }

  /**
   * Applies each level whose version is newer than the stored one; returns how many were applied.
   * `fullSync`: the levels are inventory's whole list, and the hash is marked synced.
   */
  async apply(levels: StockLevel[], { fullSync = false } = {}): Promise<number> {
    if (levels.length === 0 && !fullSync) return 0;
    const args = levels.flatMap((l) => [l.productId, String(l.available), String(l.version)]);
    return Number(await this.applyLevels([this.key], fullSync ? '1' : '0', ...args));
  }

  /** The cached levels of those products it holds, and whether a full sync has filled this hash. */
  async get(productIds: string[]): Promise<{ items: CachedStock[]; synced: boolean }> {
    const [synced, ...values] = await this.redis.hmget(this.key, SYNCED_FIELD, ...productIds);
    const items = productIds.flatMap((productId, i) => {
      const value = values[i];
      return value ? [{ productId, ...decode(value) }] : [];
    });
    return { items, synced: synced !== null };
  }

  async isSynced(): Promise<boolean> {
    return (await this.redis.hexists(this.key, SYNCED_FIELD)) === 1;
  }
}

function decode(value: string): { available: number; version: number } {
  const [version, available] = value.split(':');
  return { available: Number(available), version: Number(version) };
}
