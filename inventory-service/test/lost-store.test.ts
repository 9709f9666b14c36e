import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { buildOrderCreated, buildPaymentAuthorized, buildPaymentFailed, type CloudEvent } from '@checkout/contracts';
import { recordTopics, waitFor } from '../../test/support';
import { Health } from '@checkout/chassis';
import { createApp } from '../src/app';
import { loadDemoStock } from '../src/domain/demo-stock';
import { ADMIN_TOKEN, startInventory, type Harness } from './harness';

let inv: Harness;
let recorder: Awaited<ReturnType<typeof recordTopics>>;
const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` };
const SKU = 'sku-024';

beforeAll(async () => {
  recorder = await recordTopics(['stock.updated', 'stock.reserved']);
  inv = await startInventory();
});
afterAll(async () => {
  await inv.stop();
  await recorder.stop();
});

const versionOf = (e: CloudEvent<'stock.updated'>) => e.data.version;
const seededFor = (correlationId: string) =>
  recorder.waitForEvent('stock.updated', (e) => e.correlationId === correlationId && e.subject === SKU);

/** What a flushed Redis, or one restarted without persistence, leaves of this service: nothing. */
const wipeStore = async () => {
  const owned = await inv.redis.keys(`${inv.prefix}:*`);
  if (owned.length > 0) await inv.redis.del(...owned);
};

describe('a lost store', () => {
  it("with DEMO_STOCK, when the store is wiped and not re-seeded yet, then GET /inventory is 503, not an empty list the stock cache would take for inventory's whole stock; once seeded, the list", async () => {
    await wipeStore();
    const demoApp = createApp({ ...inv, health: new Health(), demoStock: true, adminToken: ADMIN_TOKEN });
    const before = await request(demoApp).get('/inventory');
    expect([before.status, before.body.error, before.headers['retry-after']]).toEqual([
      503,
      'DEPENDENCY_UNAVAILABLE',
      '1',
    ]);
    // Without DEMO_STOCK an empty store is what there is.
    expect((await request(inv.app).get('/inventory')).body).toEqual({ items: [] });
    expect(await inv.stock.seed(loadDemoStock())).toBe(24);
    expect((await request(demoApp).get('/inventory')).body.items).toHaveLength(24);
    await wipeStore(); // the next test seeds a new store
  });

  it('with DEMO_STOCK, when the seed runs between the route reading the seed marker and the list, then the answer is the seeded list, never an empty 200', async () => {
    await wipeStore();
    // The seed (start-up's or a reconnect's) lands right after the route's first read of the store.
    let seeded = false;
    const seedAfter =
      <T>(read: () => Promise<T>) =>
      async (): Promise<T> => {
        const value = await read();
        if (!seeded) {
          seeded = true;
          await inv.stock.seed(loadDemoStock());
        }
        return value;
      };
    const stock = Object.create(inv.stock) as typeof inv.stock;
    stock.unseeded = seedAfter(() => inv.stock.unseeded());
    stock.list = seedAfter(() => inv.stock.list());
    const demoApp = createApp({ ...inv, stock, health: new Health(), demoStock: true, adminToken: ADMIN_TOKEN });
    try {
      const res = await request(demoApp).get('/inventory');
      // It answered 200 { items: [] } (the list read before the seed, the marker after it).
      expect([res.status, res.body.items?.length]).toEqual([200, 24]);
    } finally {
      await wipeStore(); // the next test seeds a new store
    }
  });

  it('when the store is wiped and re-seeded, then the new version is above every version emitted before, and later changes keep rising', async () => {
    const demo = loadDemoStock();
    const firstSeed = randomUUID();
    expect(await inv.stock.seed(demo, firstSeed)).toBe(24);
    const seeded = await seededFor(firstSeed);

    // Sold out: the whole stock is reserved and paid for, then an admin recount confirms 0.
    const order = buildOrderCreated({ items: [{ productId: SKU, quantity: 5, unitPrice: 100 }] });
    await inv.deliver('order.created', order);
    const reserved = await recorder.waitForEvent('stock.reserved', (e) => e.data.orderId === order.orderId);
    await inv.deliver('payment.authorized', buildPaymentAuthorized({ orderId: order.orderId }));
    const recount = randomUUID();
    await request(inv.app).put(`/inventory/${SKU}`).set(admin).set('x-correlation-id', recount).send({ available: 0 });
    const recounted = await recorder.waitForEvent('stock.updated', (e) => e.correlationId === recount);

    const before = [versionOf(seeded), reserved.data.levels[0]!.version, versionOf(recounted)];
    expect(before).toEqual([...before].sort((x, y) => x - y));
    expect(new Set(before).size).toBe(before.length);
    const highest = Math.max(...before, (await inv.stock.get(SKU))!.version);
    // Versions start from the clock in ms and then count changes: they outrun a later re-seed only
    // after more changes than milliseconds, which this test rules out rather than races.
    await waitFor(() => Date.now() > highest, { what: 'the clock to pass the highest version' });

    await wipeStore();
    expect(await inv.stock.get(SKU)).toBeUndefined();
    const secondSeed = randomUUID();
    expect(await inv.stock.seed(demo, secondSeed)).toBe(24);
    const reseeded = await seededFor(secondSeed);

    expect(reseeded.data).toMatchObject({ productId: SKU, available: 5, reason: 'seed' });
    expect(versionOf(reseeded)).toBeGreaterThan(highest);
    expect(await inv.stock.get(SKU)).toEqual({
      productId: SKU,
      available: 5,
      reserved: 0,
      sold: 0,
      version: versionOf(reseeded),
    });

    const restock = await request(inv.app).put(`/inventory/${SKU}`).set(admin).send({ available: 7 });
    expect(restock.body).toMatchObject({ available: 7, version: versionOf(reseeded) + 1 });
  });

  it('when only the product list and the seed marker are lost, then the seed lists the products again as they are: live reservations keep their units', async () => {
    await wipeStore();
    expect(await inv.stock.seed(loadDemoStock(), randomUUID())).toBe(24);
    const order = buildOrderCreated({ items: [{ productId: SKU, quantity: 3, unitPrice: 100 }] });
    await inv.deliver('order.created', order);
    expect(await inv.stock.get(SKU)).toMatchObject({ available: 2, reserved: 3, sold: 0 });

    await inv.redis.del(`${inv.prefix}:products`, `${inv.prefix}:seeded`);
    expect(await inv.stock.seed(loadDemoStock(), randomUUID())).toBe(0);
    expect(await inv.stock.get(SKU)).toMatchObject({ available: 2, reserved: 3, sold: 0 });
    // Its payment fails: the 3 units come back, 5 in all as before, none on sale twice.
    await inv.deliver('payment.failed', buildPaymentFailed({ orderId: order.orderId }));
    expect(await inv.stock.get(SKU)).toMatchObject({ available: 5, reserved: 0, sold: 0 });
    expect((await request(inv.app).get('/inventory')).body.items).toHaveLength(24);
  });

  it("when a reserved product's stock record is lost, then its release does not make the product up again (reserved below zero, version 1)", async () => {
    const id = await inv.product(10);
    const order = buildOrderCreated({ items: [{ productId: id, quantity: 2, unitPrice: 100 }] });
    await inv.deliver('order.created', order);

    await inv.redis.del(`${inv.prefix}:stock:${id}`);
    // The relay held back, to see what the release writes to the outbox.
    await inv.outbox.stop();
    try {
      await inv.deliver('payment.failed', buildPaymentFailed({ orderId: order.orderId }));
      expect(await inv.stock.get(id)).toBeUndefined();
      // No level to announce: no stock.released, rather than one whose empty levels (cjson writes
      // them as {}) its schema refuses, which the relay would dead-letter.
      const written = (await inv.redis.xrange(inv.outbox.stream, '-', '+')).map(([, fields]) => fields.join(' '));
      expect(written.filter((r) => r.includes('stock.released'))).toEqual([]);
    } finally {
      inv.outbox.start();
    }
  });

  it("when a paid reservation's product record is lost, then the commit does not make it up, and a later seed writes it whole", async () => {
    await wipeStore();
    expect(await inv.stock.seed(loadDemoStock(), randomUUID())).toBe(24);
    const order = buildOrderCreated({ items: [{ productId: SKU, quantity: 3, unitPrice: 100 }] });
    await inv.deliver('order.created', order);
    await inv.redis.del(`${inv.prefix}:stock:${SKU}`);
    await inv.deliver('payment.authorized', buildPaymentAuthorized({ orderId: order.orderId }));
    expect(await inv.stock.get(SKU)).toBeUndefined();

    await inv.redis.del(`${inv.prefix}:products`, `${inv.prefix}:seeded`);
    expect(await inv.stock.seed(loadDemoStock(), randomUUID())).toBe(1);
    expect(await inv.stock.get(SKU)).toMatchObject({ available: 5, reserved: 0, sold: 0 });
    expect((await request(inv.app).get('/inventory')).body.items).toHaveLength(24);
  });

  it('when a lost product was counted again by an admin PUT before its paid reservation committed, then a later seed keeps that count: the record is whole', async () => {
    await wipeStore();
    expect(await inv.stock.seed(loadDemoStock(), randomUUID())).toBe(24);
    const order = buildOrderCreated({ items: [{ productId: SKU, quantity: 3, unitPrice: 100 }] });
    await inv.deliver('order.created', order);
    await inv.redis.del(`${inv.prefix}:stock:${SKU}`);
    expect((await request(inv.app).put(`/inventory/${SKU}`).set(admin).send({ available: 2 })).status).toBe(200);
    await inv.deliver('payment.authorized', buildPaymentAuthorized({ orderId: order.orderId }));

    await inv.redis.del(`${inv.prefix}:products`, `${inv.prefix}:seeded`);
    expect(await inv.stock.seed(loadDemoStock(), randomUUID())).toBe(0);
    expect(await inv.stock.get(SKU)).toMatchObject({ available: 2 });
  });

  it('when a product has only a part of a record (reserved and sold, made up by an older release), then a release leaves it as it is', async () => {
    const id = await inv.product(10);
    const order = buildOrderCreated({ items: [{ productId: id, quantity: 2, unitPrice: 100 }] });
    await inv.deliver('order.created', order);
    await inv.redis.del(`${inv.prefix}:stock:${id}`);
    await inv.redis.hset(`${inv.prefix}:stock:${id}`, 'reserved', -4, 'sold', 4);
    await inv.deliver('payment.failed', buildPaymentFailed({ orderId: order.orderId }));
    expect(await inv.redis.hgetall(`${inv.prefix}:stock:${id}`)).toEqual({ reserved: '-4', sold: '4' });
  });
});
