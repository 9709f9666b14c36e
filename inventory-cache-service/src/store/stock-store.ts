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

  /** Applies each level whose version is newer than the stored one; returns how many were applied. */
  async apply(levels: StockLevel[]): Promise<number> {
    if (levels.length === 0) return 0;
    return Number(await this.applyLevels([this.key], 'event', ...triples(levels)));
  }

  /**
   * Applies inventory's whole list as `apply` does and marks the hash synced; says how many levels
   * it applied and which products the cache holds a newer version of than the list.
   */
  async sync(levels: StockLevel[]): Promise<{ applied: number; ahead: string[] }> {
    const [applied, ...ahead] = (await this.applyLevels([this.key], 'sync', ...triples(levels))) as [
      number,
      ...string[],
    ];
    return { applied: Number(applied), ahead };
  }

  /** Writes the levels whatever versions the cache holds (inventory's store went back in time). */
  async overwrite(levels: StockLevel[]): Promise<number> {
    if (levels.length === 0) return 0;
    return Number(await this.applyLevels([this.key], 'overwrite', ...triples(levels)));
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

const triples = (levels: StockLevel[]): string[] =>
  levels.flatMap((l) => [l.productId, String(l.available), String(l.version)]);

function decode(value: string): { available: number; version: number } {
  const [version, available] = value.split(':');
  return { available: Number(available), version: Number(version) };
}
