import request from 'supertest';
import { cacheService, fakeInventory, item, productId } from './harness';

const UNREACHABLE = 'http://127.0.0.1:1';

describe('POST /stock/query', () => {
  it('when products are cached, then it answers their levels and leaves out those inventory does not know', async () => {
    const inventory = await fakeInventory([]);
    const svc = await cacheService(inventory.url);
    const [a, b, unknown] = [productId(), productId(), productId()];
    await svc.store.apply([
      { productId: a, available: 7, version: 3 },
      { productId: b, available: 0, version: 1 },
    ]);
    const res = await request(svc.app)
      .post('/stock/query')
      .send({ productIds: [a, unknown, b] });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      items: [
        { productId: a, available: 7, version: 3 },
        { productId: b, available: 0, version: 1 },
      ],
    });
    svc.close();
    await inventory.close();
  });

  it('when the body is malformed, then 400 names the field', async () => {
    const svc = await cacheService(UNREACHABLE);
    const res = await request(svc.app)
      .post('/stock/query')
      .send({ productIds: ['ok', 'not ok!'] });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      error: 'BAD_REQUEST',
      details: [expect.objectContaining({ field: 'productIds[1]' })],
    });
    expect((await request(svc.app).post('/stock/query').send({ productIds: [] })).status).toBe(400);
    svc.close();
  });

  it('when the cache is cold, then a miss fills it from inventory-service', async () => {
    const [a, b] = [productId(), productId()];
    const inventory = await fakeInventory([item(a, 12, 4), item(b, 3, 9)]);
    const svc = await cacheService(inventory.url);
    const res = await request(svc.app)
      .post('/stock/query')
      .send({ productIds: [a] });
    expect(res.body.items).toEqual([{ productId: a, available: 12, version: 4 }]);
    // The whole list was applied, so the next product is a hit and asks inventory nothing.
    expect((await request(svc.app).get(`/stock/${b}`)).body).toEqual({ productId: b, available: 3, version: 9 });
    expect(inventory.state.requests).toBe(1);
    svc.close();
    await inventory.close();
  });

  it('when many misses arrive at once, then one sync serves them all', async () => {
    const ids = [productId(), productId(), productId()];
    const inventory = await fakeInventory(ids.map((id) => item(id, 5, 1)));
    const svc = await cacheService(inventory.url);
    const answers = await Promise.all(
      ids.map((id) =>
        request(svc.app)
          .post('/stock/query')
          .send({ productIds: [id] }),
      ),
    );
    expect(answers.map((r) => r.body.items)).toEqual(ids.map((id) => [{ productId: id, available: 5, version: 1 }]));
    expect(inventory.state.requests).toBe(1);
    svc.close();
    await inventory.close();
  });

  it('when a product is unknown to inventory too, then repeated misses do not sync each time', async () => {
    const inventory = await fakeInventory([]);
    const svc = await cacheService(inventory.url, { minIntervalMs: 60_000 });
    const unknown = productId();
    for (let i = 0; i < 3; i++) {
      const res = await request(svc.app)
        .post('/stock/query')
        .send({ productIds: [unknown] });
      expect(res.body).toEqual({ items: [] });
    }
    expect(inventory.state.requests).toBe(1);
    svc.close();
    await inventory.close();
  });

  it('when a product the last sync listed is gone from the cache, then its miss syncs again within the interval, not answered absent', async () => {
    const [a, b] = [productId(), productId()];
    const inventory = await fakeInventory([item(a, 12, 4), item(b, 3, 9)]);
    const svc = await cacheService(inventory.url, { minIntervalMs: 60_000, synced: false });
    expect((await request(svc.app).get(`/stock/${a}`)).status).toBe(200); // the first sync lists both
    // b's key lost (a Redis restored from an older snapshot, a key removed by hand).
    await svc.redis.hdel(`${svc.prefix}:stock`, b);

    const res = await request(svc.app)
      .post('/stock/query')
      .send({ productIds: [a, b] });
    expect(res.body.items).toEqual([
      { productId: a, available: 12, version: 4 },
      { productId: b, available: 3, version: 9 },
    ]);
    expect(inventory.state.requests).toBe(2);
    svc.close();
    await inventory.close();
  });

  it('when the interval has passed, then a later miss syncs again', async () => {
    const late = productId();
    const inventory = await fakeInventory([]);
    const svc = await cacheService(inventory.url, { minIntervalMs: 0 });
    expect((await request(svc.app).get(`/stock/${late}`)).status).toBe(404);
    inventory.state.items = [item(late, 2, 1)];
    expect((await request(svc.app).get(`/stock/${late}`)).body).toEqual({ productId: late, available: 2, version: 1 });
    expect(inventory.state.requests).toBe(2);
    svc.close();
    await inventory.close();
  });

  it('when inventory-service is unreachable on a miss, then 503: the missed level is unknown, not zero', async () => {
    const svc = await cacheService(UNREACHABLE, { minIntervalMs: 60_000 });
    const [known, missing] = [productId(), productId()];
    await svc.store.apply([{ productId: known, available: 1, version: 1 }]);
    for (let i = 0; i < 2; i++) {
      // The second miss falls within the sync interval: the failed sync still counts.
      const res = await request(svc.app)
        .post('/stock/query')
        .send({ productIds: [known, missing] });
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({
        error: 'DEPENDENCY_UNAVAILABLE',
        message: expect.stringContaining('inventory'),
      });
    }
    expect((await request(svc.app).get(`/stock/${missing}`)).status).toBe(503);
    // What the cache holds entirely is still answered.
    const cached = await request(svc.app)
      .post('/stock/query')
      .send({ productIds: [known] });
    expect(cached.body).toEqual({ items: [{ productId: known, available: 1, version: 1 }] });
    svc.close();
  });

  it('when Redis is down, then 503 DEPENDENCY_UNAVAILABLE', async () => {
    const svc = await cacheService(UNREACHABLE, { redisUrl: 'redis://127.0.0.1:1' });
    const res = await request(svc.app)
      .post('/stock/query')
      .send({ productIds: [productId()] });
    expect(res.status).toBe(503);
    expect(res.body.error).toBe('DEPENDENCY_UNAVAILABLE');
    svc.close();
  });
});

describe('GET /stock/:productId', () => {
  it('when the id is not a product id (such as the field that marks the store synced), then 404 without a lookup', async () => {
    const inventory = await fakeInventory([item(productId(), 5, 1)]);
    const svc = await cacheService(inventory.url);
    try {
      const res = await request(svc.app).get('/stock/:synced');
      expect(res.status).toBe(404);
      expect(res.body.error).toBe('NOT_FOUND');
    } finally {
      svc.close();
      await inventory.close();
    }
  });

  it('when the product is neither cached nor in inventory, then 404', async () => {
    const inventory = await fakeInventory([]);
    const svc = await cacheService(inventory.url);
    const res = await request(svc.app).get(`/stock/${productId()}`);
    expect(res.status).toBe(404);
    expect(res.body.error).toBe('NOT_FOUND');
    svc.close();
    await inventory.close();
  });
  it('when no full sync has filled the cache (its Redis came back empty) and inventory-service is unreachable, then even a product events wrote is 503, not its level', async () => {
    const svc = await cacheService(UNREACHABLE, { synced: false });
    const a = productId();
    // An event applied since: it may be older than what the lost store held.
    await svc.store.apply([{ productId: a, available: 0, version: 4 }]);
    const res = await request(svc.app)
      .post('/stock/query')
      .send({ productIds: [a] });
    expect(res.status).toBe(503);
    expect(res.body.error).toBe('DEPENDENCY_UNAVAILABLE');
    svc.close();
  });
});

describe('full sync', () => {
  it('when no full sync has filled the cache at start, then it fills once; a synced cache is left alone', async () => {
    const a = productId();
    const inventory = await fakeInventory([item(a, 8, 2)]);
    const svc = await cacheService(inventory.url, { synced: false });
    expect(await svc.sync.fillIfUnsynced()).toBe(true);
    expect(await svc.sync.fillIfUnsynced()).toBe(false);
    expect(inventory.state.requests).toBe(1);
    expect((await request(svc.app).get(`/stock/${a}`)).body).toEqual({ productId: a, available: 8, version: 2 });
    svc.close();
    await inventory.close();
  });

  it('when the inventory list is older than an applied event, then the sync does not roll it back', async () => {
    const [a, b] = [productId(), productId()];
    const inventory = await fakeInventory([item(a, 50, 4), item(b, 6, 1)]);
    const svc = await cacheService(inventory.url);
    await svc.store.apply([{ productId: a, available: 41, version: 9 }]);
    await svc.sync.run();
    const res = await request(svc.app)
      .post('/stock/query')
      .send({ productIds: [a, b] });
    expect(res.body.items).toEqual([
      { productId: a, available: 41, version: 9 },
      { productId: b, available: 6, version: 1 },
    ]);
    svc.close();
    await inventory.close();
  });
});
