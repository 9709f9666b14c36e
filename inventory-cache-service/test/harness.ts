import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Health, closeServer, connectRedis, createLogger, createMetrics, createRedis, listen } from '@checkout/chassis';
import type { InventoryItem } from '@checkout/contracts';
import { testRedisUrl } from '../../test/support/env';
import { createApp } from '../src/app';
import { createInventoryClient } from '../src/clients/inventory-client';
import { FullSync, type SyncDeps } from '../src/domain/full-sync';
import { StockReader } from '../src/domain/stock-reader';
import { StockStore } from '../src/store/stock-store';

export const logger = createLogger('inventory-cache-test', 'silent');
export const productId = () => `sku-${randomUUID()}`;
export const item = (productId: string, available: number, version: number): InventoryItem => ({
  productId,
  available,
  reserved: 0,
  sold: 0,
  version,
});

/**
 * A stand-in for inventory-service's GET /inventory that counts how often it was asked; 503 while
 * `down`. While `hold` is set, a request's list is read when it arrives and answered once `hold`
 * settles (a slow answer, older than what happened meanwhile).
 */
export async function fakeInventory(items: InventoryItem[] = []) {
  const state: { items: InventoryItem[]; requests: number; down: boolean; hold?: Promise<void> } = {
    items,
    requests: 0,
    down: false,
  };
  const app = express();
  app.get('/inventory', async (_req, res) => {
    state.requests++;
    if (state.down) return void res.status(503).json({ error: 'DEPENDENCY_UNAVAILABLE', message: 'down' });
    const listed = state.items;
    await state.hold;
    res.json({ items: listed });
  });
  const server: Server = await listen(app, 0, '127.0.0.1');
  return {
    state,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => closeServer(server),
  };
}

/**
 * The service wired as main.ts wires it, on the real test Redis under a prefix of its own.
 * `synced`: the store starts as a full sync of an empty inventory leaves it (what levels a test
 * applies are then answered as a warm cache's); otherwise its first read syncs.
 */
export async function cacheService(
  inventoryUrl: string,
  {
    minIntervalMs = 60_000,
    redisUrl = testRedisUrl(),
    synced = true,
    onWentBack,
  }: { minIntervalMs?: number; redisUrl?: string; synced?: boolean; onWentBack?: SyncDeps['onWentBack'] } = {},
) {
  const redis = createRedis(redisUrl, logger, 'inventory-cache-test');
  const ownRedis = redisUrl !== testRedisUrl();
  if (!ownRedis) await connectRedis(redis);
  const prefix = `inventory-cache-test-${randomUUID()}`;
  const store = new StockStore(redis, prefix);
  if (synced && !ownRedis) await store.sync([], await store.beginSync());
  const sync = new FullSync({
    source: createInventoryClient(inventoryUrl, 500),
    target: store,
    minIntervalMs,
    onWentBack,
  });
  const app = createApp({
    logger,
    health: new Health(),
    metrics: createMetrics('inventory-cache-test'),
    reader: new StockReader(store, sync, logger),
  });
  return { app, store, sync, redis, prefix, close: () => redis.disconnect() };
}
