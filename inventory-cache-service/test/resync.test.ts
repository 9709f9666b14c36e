import request from 'supertest';
import { createMetrics } from '@checkout/chassis';
import { waitFor } from '../../test/support';
import { periodicResync } from '../src/jobs/resync';
import { cacheService, fakeInventory, item, logger, productId } from './harness';

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
