import request from 'supertest';
import { createMetrics } from '@checkout/chassis';
import { waitFor } from '../../test/support';
import type { WentBack } from '../src/domain/full-sync';
import { periodicResync, reportWentBack } from '../src/jobs/resync';
import { cacheService, fakeInventory, item, logger, productId } from './harness';

/** The cache service with its full syncs reported as main.ts reports them: what changed, and the counters' values. */
async function reportingCache(inventoryUrl: string, registryName: string) {
  const metrics = createMetrics(registryName);
  const changes: WentBack[] = [];
  const report = reportWentBack({ logger, metrics });
  const svc = await cacheService(inventoryUrl, { onWentBack: (change) => (changes.push(change), report(change)) });
  const counted = async (name: string) =>
    (await metrics.registry.getSingleMetric(name)!.get()).values.map((v) => v.value);
  return { svc, changes, counted };
}

describe('inventory cache — periodic full sync', () => {
  it('when a level changed at inventory and its event never reached the cache, then the next pass serves the new level and counts it', async () => {
    const a = productId();
    const inventory = await fakeInventory([item(a, 10, 5)]);
    const svc = await cacheService(inventory.url);
    const metrics = createMetrics('inventory-cache-resync-test');
    const job = periodicResync(svc.sync, 50, { logger, metrics });
    try {
      expect((await request(svc.app).get(`/stock/${a}`)).body).toEqual({ productId: a, available: 10, version: 5 });
      // Restocked at inventory; its stock.updated was lost (a broker that lost its log).
      inventory.state.items = [item(a, 3, 6)];
      expect((await request(svc.app).get(`/stock/${a}`)).body.version).toBe(5); // a hit: nothing would correct it

      job.start();
      await waitFor(async () => (await request(svc.app).get(`/stock/${a}`)).body.version === 6, {
        what: 'the periodic sync to apply version 6',
      });
      expect((await request(svc.app).get(`/stock/${a}`)).body).toEqual({ productId: a, available: 3, version: 6 });
      const requestsAfter = inventory.state.requests;
      await waitFor(() => inventory.state.requests >= requestsAfter + 2, { what: 'two more passes' });
      // One level was newer; the passes after it found nothing to apply.
      const counted = await metrics.registry.getSingleMetric('stock_cache_resync_levels_total')!.get();
      expect(counted.values.map((v) => v.value)).toEqual([1]);
    } finally {
      await job.stop();
      svc.close();
      await inventory.close();
    }
  });

  it("when inventory's store went back in time (restored from a backup) below the cache's version, then the second pass that lists the older level writes it over the cache's, and says so", async () => {
    const a = productId();
    const inventory = await fakeInventory([item(a, 1, 1000)]);
    const metrics = createMetrics('inventory-cache-resync-test-3');
    const overwrites: string[][] = [];
    const report = reportWentBack({ logger, metrics });
    const svc = await cacheService(inventory.url, {
      onWentBack: (change) => (overwrites.push(change.overwritten.map((l) => l.productId)), report(change)),
    });
    const { sync } = svc;
    try {
      // Sold out after the backup was taken: the cache holds version 1012, available 0.
      await svc.store.apply([{ productId: a, available: 0, version: 1012 }]);
      // Inventory restored to the backup, then restocked: version 1001, which the cache ignores.
      inventory.state.items = [item(a, 50, 1001)];
      await svc.store.apply([{ productId: a, available: 50, version: 1001 }]);
      // One pass could be an event applied after the list was read: nothing overwritten yet.
      await sync.run();
      expect((await request(svc.app).get(`/stock/${a}`)).body).toMatchObject({ available: 0, version: 1012 });
      await sync.run();
      expect((await request(svc.app).get(`/stock/${a}`)).body).toEqual({ productId: a, available: 50, version: 1001 });
      expect(overwrites).toEqual([[a]]);
      const counted = await metrics.registry.getSingleMetric('stock_cache_overwritten_levels_total')!.get();
      expect(counted.values.map((v) => v.value)).toEqual([1]);
      // Its next change applies as usual.
      await svc.store.apply([{ productId: a, available: 49, version: 1002 }]);
      expect((await request(svc.app).get(`/stock/${a}`)).body.available).toBe(49);
    } finally {
      svc.close();
      await inventory.close();
    }
  });

  it("when inventory's store went back in time and its new history reached the very version the cache holds, with another level, then the second pass writes inventory's level over the cache's", async () => {
    const a = productId();
    const inventory = await fakeInventory([item(a, 1, 1011)]);
    const { svc, changes, counted } = await reportingCache(inventory.url, 'inventory-cache-resync-test-4');
    try {
      // The cache saw the last unit sold (version 1012, none left); inventory lost that write
      // (restored at 1011), then an operator restocked it: 50 at version 1012, an event ignored.
      await svc.store.apply([{ productId: a, available: 0, version: 1012 }]);
      inventory.state.items = [item(a, 50, 1012)];
      await svc.store.apply([{ productId: a, available: 50, version: 1012 }]);
      await svc.sync.run();
      expect((await request(svc.app).get(`/stock/${a}`)).body).toMatchObject({ available: 0, version: 1012 });
      await svc.sync.run();
      expect((await request(svc.app).get(`/stock/${a}`)).body).toEqual({ productId: a, available: 50, version: 1012 });
      expect(changes).toEqual([{ overwritten: [{ productId: a, available: 50, version: 1012 }], dropped: [] }]);
      expect(await counted('stock_cache_overwritten_levels_total')).toEqual([1]);
    } finally {
      svc.close();
      await inventory.close();
    }
  });

  it("when inventory's next change lands between the second pass reading the cache and writing inventory's level over it, then the newer level is kept", async () => {
    const a = productId();
    const inventory = await fakeInventory([item(a, 50, 1012)]);
    const { svc, changes } = await reportingCache(inventory.url, 'inventory-cache-resync-test-6');
    try {
      await svc.store.apply([{ productId: a, available: 0, version: 1012 }]);
      await svc.sync.run();
      // The event of a sale at version 1013 is applied while the second pass is under way.
      const overwrite = svc.store.overwrite.bind(svc.store);
      svc.store.overwrite = async (...args) => {
        await svc.store.apply([{ productId: a, available: 0, version: 1013 }]);
        return overwrite(...args);
      };
      await svc.sync.run();
      expect((await request(svc.app).get(`/stock/${a}`)).body).toEqual({ productId: a, available: 0, version: 1013 });
      expect(changes).toEqual([]);
    } finally {
      svc.close();
      await inventory.close();
    }
  });

  it('when inventory no longer lists a product the cache holds (its store lost it), then the second pass drops it, so orders for it are refused up front, and says so', async () => {
    const a = productId();
    const kept = productId();
    const inventory = await fakeInventory([item(a, 10, 1_700_000_000_000), item(kept, 5, 7)]);
    const { svc, changes, counted } = await reportingCache(inventory.url, 'inventory-cache-resync-test-5');
    try {
      await svc.sync.run();
      inventory.state.items = [item(kept, 5, 7)];
      // One pass could be a product created after the list was read (its event applied since).
      await svc.sync.run();
      expect((await request(svc.app).get(`/stock/${a}`)).body.available).toBe(10);
      await svc.sync.run();
      expect(
        (
          await request(svc.app)
            .post('/stock/query')
            .send({ productIds: [a, kept] })
        ).body.items,
      ).toEqual([{ productId: kept, available: 5, version: 7 }]);
      expect(changes).toEqual([{ overwritten: [], dropped: [a] }]);
      expect(await counted('stock_cache_dropped_products_total')).toEqual([1]);
    } finally {
      svc.close();
      await inventory.close();
    }
  });

  it('when a product inventory did not list is created meanwhile (its event applied between two passes), then it is not dropped', async () => {
    const a = productId();
    const inventory = await fakeInventory([]);
    const changes: unknown[] = [];
    const svc = await cacheService(inventory.url, { onWentBack: (change) => changes.push(change) });
    try {
      // An old level of the product, which inventory's store lost: not listed.
      await svc.store.apply([{ productId: a, available: 3, version: 10 }]);
      await svc.sync.run();
      // An admin creates it again before the next pass reads the list; its stock.updated lands first.
      await svc.store.apply([{ productId: a, available: 8, version: 1_700_000_000_000 }]);
      await svc.sync.run();
      expect((await request(svc.app).get(`/stock/${a}`)).body).toMatchObject({ available: 8 });
      expect(changes).toEqual([]);
    } finally {
      svc.close();
      await inventory.close();
    }
  });

  it('when an event lands between a pass reading the list and applying it, on every pass, then nothing is overwritten: each pass lists a newer version', async () => {
    const a = productId();
    const inventory = await fakeInventory([item(a, 10, 5)]);
    const overwrites: unknown[] = [];
    const svc = await cacheService(inventory.url, { onWentBack: (change) => overwrites.push(change) });
    const { sync } = svc;
    try {
      for (let v = 6; v <= 9; v++) {
        // The event of the next change is applied before the pass applies the list it read.
        await svc.store.apply([{ productId: a, available: 10 - (v - 5), version: v }]);
        await sync.run();
        inventory.state.items = [item(a, 10 - (v - 5), v)];
      }
      expect(overwrites).toEqual([]);
      expect((await request(svc.app).get(`/stock/${a}`)).body.version).toBe(9);
    } finally {
      svc.close();
      await inventory.close();
    }
  });

  it('when inventory is down, then passes fail and the cache serves what it holds, and the first pass once it is back applies', async () => {
    const a = productId();
    const inventory = await fakeInventory([item(a, 7, 2)]);
    const svc = await cacheService(inventory.url);
    const job = periodicResync(svc.sync, 50, { logger, metrics: createMetrics('inventory-cache-resync-test-2') });
    try {
      expect((await request(svc.app).get(`/stock/${a}`)).body.available).toBe(7);
      inventory.state.down = true;
      inventory.state.items = [item(a, 4, 3)];
      const before = inventory.state.requests;
      job.start();
      await waitFor(() => inventory.state.requests >= before + 2, { what: 'two failed passes' });
      expect((await request(svc.app).get(`/stock/${a}`)).body).toEqual({ productId: a, available: 7, version: 2 });

      inventory.state.down = false;
      await waitFor(async () => (await request(svc.app).get(`/stock/${a}`)).body.version === 3, {
        what: 'a pass to apply version 3 once inventory is back',
      });
    } finally {
      await job.stop();
      svc.close();
      await inventory.close();
    }
  });
});
