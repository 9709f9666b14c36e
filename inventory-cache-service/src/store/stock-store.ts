import { randomUUID } from 'node:crypto';
import { defineScript, type Redis } from '@checkout/chassis';
import type { CachedStock, StockLevel } from '@checkout/contracts';
import type { SyncResult } from '../domain/full-sync';
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

  /** The hash's generation, set now unless it has one: what `sync` checks the hash still has. */
  async beginSync(): Promise<string> {
    return String(await this.applyLevels([this.key], 'begin', randomUUID()));
  }

  /**
   * Applies inventory's whole list as `apply` does and, if the hash still has the generation
   * `beginSync` gave before the list was read, marks it synced (`marked`); says how many levels it
   * applied, and by their cached value (what `overwrite` and `drop` take) the products the cache
   * disagrees with the list about (a newer version, or the same version with another level) and the
   * products it holds that the list lacks. Unmarked (the hash was deleted or lost while the list
   * was read, with events it held that may be newer than the list), both are empty.
   */
  async sync(levels: StockLevel[], generation: string): Promise<SyncResult> {
    const [applied, disagree, unlisted, marked] = (await this.applyLevels(
      [this.key],
      'sync',
      generation,
      ...triples(levels),
    )) as [number, string[], string[], number];
    return {
      applied: Number(applied),
      disagree: pairs(disagree),
      unlisted: pairs(unlisted),
      marked: Number(marked) === 1,
    };
  }

  /**
   * Writes the levels over the cache's whatever their versions (inventory's store went back in time),
   * each only while the cache still holds the value `held` gives for it (a level an event wrote since
   * stays); returns the ids written.
   */
  async overwrite(levels: StockLevel[], held: Map<string, string>): Promise<string[]> {
    const quads = levels.flatMap((l) => [
      l.productId,
      String(l.available),
      String(l.version),
      held.get(l.productId) ?? '',
    ]);
    if (quads.length === 0) return [];
    return (await this.applyLevels([this.key], 'overwrite', ...quads)) as string[];
  }

  /**
   * Removes the products inventory no longer lists, each only while the cache still holds the value
   * given (a level an event wrote since stays); returns the ids removed.
   */
  async drop(held: Map<string, string>): Promise<string[]> {
    if (held.size === 0) return [];
    return (await this.applyLevels([this.key], 'drop', ...[...held].flat())) as string[];
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

/** id, value pairs as a script answers them, as a map. */
function pairs(flat: string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) map.set(flat[i]!, flat[i + 1]!);
  return map;
}

const triples = (levels: StockLevel[]): string[] =>
  levels.flatMap((l) => [l.productId, String(l.available), String(l.version)]);

function decode(value: string): { available: number; version: number } {
  const [version, available] = value.split(':');
  return { available: Number(available), version: Number(version) };
}
