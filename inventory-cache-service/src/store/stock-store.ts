import { defineScript, type Redis } from '@checkout/chassis';
import type { CachedStock, StockLevel } from '@checkout/contracts';
import { APPLY_LEVELS_LUA } from './apply-levels.lua';

/**
 * The read model: one hash `<prefix>:stock`, field productId, value `<version>:<available>`.
 * Every write goes through apply-if-newer, so events and syncs may arrive in any order.
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
    const args = levels.flatMap((l) => [l.productId, String(l.available), String(l.version)]);
    return Number(await this.applyLevels([this.key], ...args));
  }

  async get(productIds: string[]): Promise<CachedStock[]> {
    if (productIds.length === 0) return [];
    const values = await this.redis.hmget(this.key, ...productIds);
    return productIds.flatMap((productId, i) => {
      const value = values[i];
      return value ? [{ productId, ...decode(value) }] : [];
    });
  }

  async isEmpty(): Promise<boolean> {
    return (await this.redis.hlen(this.key)) === 0;
  }
}

function decode(value: string): { available: number; version: number } {
  const [version, available] = value.split(':');
  return { available: Number(available), version: Number(version) };
}
