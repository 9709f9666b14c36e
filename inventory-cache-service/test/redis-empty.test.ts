import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { connectRedis, type HandlerContext } from '@checkout/chassis';
import { useOwnRedis, waitFor } from '../../test/support';
import { buildStockReserved, createEvent } from '@checkout/contracts';
import { stockHandlers } from '../src/handlers';
import { resyncOnReconnect } from '../src/jobs/resync';
import { cacheService, fakeInventory, item, logger, productId } from './harness';

/**
 * A Redis that comes back empty (a restart without persistence, a failover to an empty replica).
 * The version rule ("apply a level only if its version is newer") lives in the data: once the hash
 * is gone, any level is "newer". A late, older event then recreated the product with its stale
 * level, reads of it were hits, no sync ran, and the stale level was served until the next event
 * for that product. A full sync now marks the hash; without the mark, reads sync first.
 */
describe('inventory cache — Redis comes back empty', () => {
  const own = useOwnRedis('inventory-cache-empty-test');

  it('when Redis restarts empty and a late, older level arrives, then the cache still answers the newer level (no rollback)', async () => {
    const a = productId();
    // Truth: A was sold out at version 4 and restocked to 10 at version 5.
    const inventory = await fakeInventory([item(a, 10, 5)]);
    const redisServer = own.server;
    // Misses sync at most once a minute here: the read after the loss falls within the interval of
    // the first read's sync, which must not let it answer from the unmarked hash.
    const svc = await cacheService(inventory.url, { redisUrl: redisServer.url, minIntervalMs: 60_000 });
    await connectRedis(svc.redis);
    try {
      // Warm cache: the miss syncs, version 5 is served.
      expect((await request(svc.app).get(`/stock/${a}`)).body).toEqual({ productId: a, available: 10, version: 5 });

      await redisServer.restart(); // no AOF: every key is gone
      await waitFor(async () => (await svc.redis.ping().catch(() => '')) === 'PONG', { what: 'redis back' });

      // A stock.reserved that was still being retried while Redis was down (its partition lagged):
      // it carries A's older level, version 4, available 0.
      const late = createEvent(
        'stock.reserved',
        buildStockReserved({
          levels: [{ productId: a, available: 0, version: 4 }],
          items: [{ productId: a, quantity: 1 }],
        }),
        { source: '/inventory-service', correlationId: randomUUID() },
      );
      const ctx = { log: logger as unknown as HandlerContext['log'] } as HandlerContext;
      await stockHandlers(svc.store)['stock.reserved']!(late, ctx);

      const res = await request(svc.app).get(`/stock/${a}`);
      // It answered { available: 0, version: 4 }: a restocked product reported sold out.
      expect(res.body).toEqual({ productId: a, available: 10, version: 5 });
    } finally {
      svc.close();
      await inventory.close();
    }
  }, 30_000);

  it("when the hash is deleted while a full sync reads inventory's list, and an event newer than that list had been applied, then the cache is not marked synced with the older list: the list is read again and the newer level served", async () => {
    const a = productId();
    const inventory = await fakeInventory([item(a, 10, 5)]);
    const svc = await cacheService(inventory.url);
    const hash = `${svc.prefix}:stock`;
    try {
      // The runbook's rebuild: the hash is deleted, so the next query syncs.
      await svc.redis.del(hash);
      let answerList = () => undefined as void;
      inventory.state.hold = new Promise<void>((resolve) => (answerList = resolve));
      const answer = request(svc.app)
        .get(`/stock/${a}`)
        .then((res) => res);
      await waitFor(() => inventory.state.requests === 1, { what: 'the sync to ask for the list' });
      // Meanwhile A sells out (version 6): its stock.updated reaches the cache, then the hash is
      // deleted again (a second DEL, a Redis restarted empty), and the event with it.
      inventory.state.items = [item(a, 0, 6)];
      await svc.store.apply([{ productId: a, available: 0, version: 6 }]);
      await svc.redis.del(hash);
      inventory.state.hold = undefined;
      answerList();
      // It answered { available: 10, version: 5 }, marked synced, until the periodic sync a minute later.
      expect((await answer).body).toEqual({ productId: a, available: 0, version: 6 });
      expect(inventory.state.requests).toBe(2);
      expect(await svc.store.isSynced()).toBe(true);
    } finally {
      svc.close();
      await inventory.close();
    }
  });

  it('when the hash is deleted again right after the sync a miss ran, then an in-stock product it lacks is 503 (unknown), not 404 (absent)', async () => {
    const a = productId();
    const inventory = await fakeInventory([item(a, 10, 5)]);
    const svc = await cacheService(inventory.url);
    const hash = `${svc.prefix}:stock`;
    const onMiss = svc.sync.onMiss.bind(svc.sync);
    svc.sync.onMiss = async (miss) => {
      await onMiss(miss);
      await svc.redis.del(hash); // a second DEL, or a Redis that came back empty, after the sync marked the hash
    };
    try {
      await svc.redis.del(hash);
      const res = await request(svc.app).get(`/stock/${a}`);
      // It answered 404: a product inventory holds 10 of, absent.
      expect([res.status, res.body.error]).toEqual([503, 'DEPENDENCY_UNAVAILABLE']);
    } finally {
      svc.close();
      await inventory.close();
    }
  });

  it("when the cache's Redis connection comes back, then a full sync runs at once, without waiting for a query or the periodic pass", async () => {
    const a = productId();
    const inventory = await fakeInventory([item(a, 10, 5)]);
    const svc = await cacheService(inventory.url, { redisUrl: own.server.url });
    await connectRedis(svc.redis);
    resyncOnReconnect(svc.redis, svc.sync, logger);
    try {
      expect((await request(svc.app).get(`/stock/${a}`)).body).toEqual({ productId: a, available: 10, version: 5 });
      // Sold out at inventory while the cache's Redis restarts (its event lost with the last writes).
      inventory.state.items = [item(a, 0, 6)];
      const asked = inventory.state.requests;
      await own.server.restart();
      await waitFor(() => inventory.state.requests > asked, { what: 'a full sync after the reconnect' });
      await waitFor(async () => (await svc.store.get([a])).items[0]?.version === 6, { what: 'version 6 cached' });
      expect(await svc.store.get([a])).toEqual({ items: [{ productId: a, available: 0, version: 6 }], synced: true });
    } finally {
      svc.close();
      await inventory.close();
    }
  }, 30_000);
});
