import { randomUUID } from 'node:crypto';
import { RedisClock, type Outbox, type Redis } from '@checkout/chassis';
import type { InventoryItem } from '@checkout/contracts';
import type { StockSeed } from '../domain/demo-stock';
import { eventMeta } from './event-meta';
import { keys, type Keys } from './keys';
import { inventoryScripts, type InventoryScripts } from './scripts';

const FIELDS = ['available', 'reserved', 'sold', 'version'] as const;

const toItem = (productId: string, values: (string | null)[]): InventoryItem | undefined => {
  if (values[0] == null) return undefined;
  const [available, reserved, sold, version] = values.map((v) => Number(v ?? 0)) as [number, number, number, number];
  return { productId, available, reserved, sold, version };
};

/** Stock levels per product: a hash `<prefix>:stock:<productId>` and the set of product ids. */
export class StockStore {
  private readonly keys: Keys;
  private readonly scripts: InventoryScripts;
  private readonly clock: RedisClock;

  /**
   * @param writeWindowMs how long after `setAvailable` is called its script may still set the level
   * (0: no limit); past it the request has answered 503 and the script sets nothing.
   */
  constructor(
    private readonly redis: Redis,
    private readonly outbox: Outbox,
    readonly prefix = 'inventory',
    private readonly writeWindowMs = 0,
  ) {
    this.keys = keys(prefix);
    this.scripts = inventoryScripts(redis);
    this.clock = new RedisClock(redis);
    if (writeWindowMs > 0) this.clock.follow();
  }

  async get(productId: string): Promise<InventoryItem | undefined> {
    return toItem(productId, await this.redis.hmget(this.keys.stock(productId), ...FIELDS));
  }

  /** Whether no seed has run on this store (its marker is missing: a new store, or one that was lost). */
  async unseeded(): Promise<boolean> {
    return (await this.redis.exists(this.keys.seeded)) === 0;
  }

  async list(): Promise<InventoryItem[]> {
    const ids = (await this.redis.smembers(this.keys.products)).sort();
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hmget(this.keys.stock(id), ...FIELDS);
    const results = (await pipeline.exec()) ?? [];
    return ids.flatMap((id, i) => {
      const [err, values] = results[i] ?? [];
      if (err) throw err;
      return toItem(id, values as (string | null)[]) ?? [];
    });
  }

  /**
   * Sets a product's level. With `expectedVersion` (the If-Match of the request) nothing is written
   * unless the product is still at that version: an operator's count does not overwrite what a
   * reservation changed since they read it. Answers the item, or the version it is at instead;
   * 'expired' when Redis ran the write after its window (nothing set: the request timed out).
   */
  async setAvailable(
    productId: string,
    available: number,
    correlationId: string,
    traceparent?: string,
    expectedVersion?: number,
  ): Promise<InventoryItem | { stale: true; version?: number } | 'expired'> {
    const values = (await this.outbox.publishing(
      this.scripts.setStock(
        [this.keys.stock(productId), this.keys.products, this.outbox.stream],
        productId,
        available,
        eventMeta(correlationId, traceparent),
        expectedVersion === undefined ? '' : String(expectedVersion),
        this.clock.deadline(this.writeWindowMs),
      ),
    )) as string[];
    if (values[0] === 'expired') return 'expired';
    if (values[0] === 'stale') return values[1] ? { stale: true, version: Number(values[1]) } : { stale: true };
    return toItem(productId, values)!;
  }

  /**
   * Seeds an empty store; returns how many products it loaded (0 when the store had stock or was
   * seeded before). The check and the load are one script, so repeated or overlapping calls
   * (start-up and every Redis reconnect) load a store once.
   */
  async seed(stock: StockSeed, correlationId: string = randomUUID()): Promise<number> {
    const items = stock.map((s) => ({ ...s, eventId: randomUUID() }));
    return (await this.outbox.publishing(
      this.scripts.seed(
        [this.keys.seeded, this.keys.products, this.outbox.stream],
        this.prefix,
        JSON.stringify(items),
        eventMeta(correlationId),
      ),
    )) as number;
  }
}
