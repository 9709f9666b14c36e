import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { buildOrderCreated, type CloudEvent } from '@checkout/contracts';
import { recordTopics, waitFor } from '../../test/support';
import { loadDemoStock } from '../src/domain/demo-stock';
import { ADMIN_TOKEN, expectStartedBetween, startInventory, type Harness } from './harness';

let inv: Harness;
let recorder: Awaited<ReturnType<typeof recordTopics>>;
const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` };

beforeAll(async () => {
  recorder = await recordTopics(['stock.updated']);
  inv = await startInventory();
});
afterAll(async () => {
  await inv.stop();
  await recorder.stop();
});

describe('GET /inventory', () => {
  it('when products exist, then it lists them sorted by productId with all their levels', async () => {
    const before = Date.now();
    const b = await inv.product(5);
    const a = await inv.product(7);
    const res = await request(inv.app).get('/inventory');
    expect(res.status).toBe(200);
    const ids = res.body.items.map((i: { productId: string }) => i.productId);
    expect(ids).toEqual([...ids].sort());
    expect(res.body.items).toEqual(
      expect.arrayContaining([
        { productId: a, available: 7, reserved: 0, sold: 0, version: expect.any(Number) },
        { productId: b, available: 5, reserved: 0, sold: 0, version: expect.any(Number) },
      ]),
    );
    for (const id of [a, b]) {
      expectStartedBetween(res.body.items.find((i: { productId: string }) => i.productId === id).version, before);
    }
  });
});

describe('GET /inventory/:productId', () => {
  it('when the product exists, then it answers its levels', async () => {
    const before = Date.now();
    const id = await inv.product(3);
    const res = await request(inv.app).get(`/inventory/${id}`);
    expect(res.body).toEqual({ productId: id, available: 3, reserved: 0, sold: 0, version: expect.any(Number) });
    expectStartedBetween(res.body.version, before);
  });

  it('when the product is unknown, then 404', async () => {
    const res = await request(inv.app).get('/inventory/nope');
    expect(res.status).toBe(404);
    expect(res.body.error).toBe('NOT_FOUND');
  });
});

describe('PUT /inventory/:productId with If-Match (an operator count against concurrent orders)', () => {
  it('when the product is still at the version read, then the level is set and the new ETag answered', async () => {
    const id = await inv.product(10);
    const read = await request(inv.app).get(`/inventory/${id}`);
    expect(read.headers.etag).toBe(`"${read.body.version}"`);
    const res = await request(inv.app)
      .put(`/inventory/${id}`)
      .set(admin)
      .set('If-Match', read.headers.etag!)
      .send({ available: 15 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ available: 15, version: read.body.version + 1 });
    expect(res.headers.etag).toBe(`"${read.body.version + 1}"`);
  });

  it('when an order reserved stock since it was read, then 412 naming If-Match, and nothing changes', async () => {
    const id = await inv.product(10);
    const read = await request(inv.app).get(`/inventory/${id}`);
    const order = buildOrderCreated({ items: [{ productId: id, quantity: 3, unitPrice: 100 }] });
    await inv.deliver('order.created', order);
    await waitFor(async () => (await inv.version(id)) > read.body.version, { what: 'the reservation' });

    const res = await request(inv.app)
      .put(`/inventory/${id}`)
      .set(admin)
      .set('If-Match', read.headers.etag!)
      .send({ available: 15 });
    expect(res.status).toBe(412);
    expect(res.body).toMatchObject({
      error: 'PRECONDITION_FAILED',
      details: [expect.objectContaining({ field: 'If-Match' })],
    });
    // Setting 15 over the 3 reserved would have made 18 sellable units of 15 on the shelf.
    expect((await request(inv.app).get(`/inventory/${id}`)).body).toMatchObject({ available: 7, reserved: 3 });
  });

  it('when If-Match is not an ETag of this API, or names a product that does not exist, then 400 or 412', async () => {
    const id = await inv.product(10);
    const bad = await request(inv.app)
      .put(`/inventory/${id}`)
      .set(admin)
      .set('If-Match', 'yesterday')
      .send({ available: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.details).toEqual([expect.objectContaining({ field: 'If-Match' })]);
    const unknown = `new-${randomUUID().slice(0, 8)}`;
    const missing = await request(inv.app)
      .put(`/inventory/${unknown}`)
      .set(admin)
      .set('If-Match', '"1"')
      .send({ available: 1 });
    expect(missing.status).toBe(412);
    expect((await request(inv.app).get(`/inventory/${unknown}`)).status).toBe(404);
    expect((await request(inv.app).get(`/inventory/${id}`)).body.available).toBe(10);
  });
});

describe('PUT /inventory/:productId', () => {
  it('when the admin sets a level, then reserved and sold stay, the version bumps and stock.updated follows', async () => {
    const id = await inv.product(10);
    const v = await inv.version(id);
    const res = await request(inv.app).put(`/inventory/${id}`).set(admin).send({ available: 42 });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ productId: id, available: 42, reserved: 0, sold: 0, version: v + 1 });
    const event = await recorder.waitForEvent(
      'stock.updated',
      (e) => e.data.productId === id && e.data.version === v + 1,
    );
    expect(event.data).toEqual({ productId: id, available: 42, version: v + 1, reason: 'admin' });
    expect(event.source).toBe('/inventory-service');
    expect(event.subject).toBe(id);
  });

  it('when the product is unknown, then it is created with nothing reserved or sold', async () => {
    const id = `new-${randomUUID().slice(0, 8)}`;
    const before = Date.now();
    const res = await request(inv.app).put(`/inventory/${id}`).set(admin).send({ available: 9 });
    expect(res.body).toEqual({ productId: id, available: 9, reserved: 0, sold: 0, version: expect.any(Number) });
    expectStartedBetween(res.body.version, before);
    expect((await request(inv.app).get(`/inventory/${id}`)).body.available).toBe(9);
  });

  it('when the token is missing or wrong, then 401 and the level is unchanged', async () => {
    const id = await inv.product(10);
    const v = await inv.version(id);
    expect((await request(inv.app).put(`/inventory/${id}`).send({ available: 1 })).status).toBe(401);
    const wrong = await request(inv.app)
      .put(`/inventory/${id}`)
      .set({ Authorization: 'Bearer nope' })
      .send({ available: 1 });
    expect(wrong.status).toBe(401);
    expect((await request(inv.app).get(`/inventory/${id}`)).body).toMatchObject({ available: 10, version: v });
  });

  it('when no ADMIN_TOKEN is configured, then 403', async () => {
    const closed = await startInventory({ adminToken: undefined });
    try {
      const res = await request(closed.app).put('/inventory/sku-001').set(admin).send({ available: 1 });
      expect(res.status).toBe(403);
    } finally {
      await closed.stop();
    }
  });

  it('when available is negative or missing, then 400 names the field', async () => {
    const id = await inv.product(10);
    const res = await request(inv.app).put(`/inventory/${id}`).set(admin).send({ available: -1 });
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual([expect.objectContaining({ field: 'available' })]);
    expect((await request(inv.app).put(`/inventory/${id}`).set(admin).send({})).status).toBe(400);
  });
});

describe('demo stock seed', () => {
  it('when the store is empty, then every demo product is loaded once and announced with stock.updated', async () => {
    const fresh = await startInventory();
    try {
      const demo = loadDemoStock();
      const correlationId = randomUUID();
      const before = Date.now();
      expect(await fresh.stock.seed(demo, correlationId)).toBe(24);
      const after = Date.now();
      expect(await fresh.stock.seed(demo, randomUUID())).toBe(0);

      const { body } = await request(fresh.app).get('/inventory');
      expect(body.items).toHaveLength(24);
      // One seed, one starting version for every product.
      const { version } = body.items[0];
      expectStartedBetween(version, before, after);
      expect(body.items.filter((i: { version: number }) => i.version !== version)).toEqual([]);
      expect(body.items[0]).toEqual({ productId: 'sku-001', available: 100, reserved: 0, sold: 0, version });
      expect(body.items[23]).toEqual({ productId: 'sku-024', available: 5, reserved: 0, sold: 0, version });
      const seededEvents = () => recorder.events('stock.updated').filter((e) => e.correlationId === correlationId);
      await waitFor(() => seededEvents().length === 24, { what: '24 seed stock.updated events' });
      const seeded = seededEvents() as CloudEvent<'stock.updated'>[];
      expect(seeded.map((e) => e.data)).toContainEqual({
        productId: 'sku-024',
        available: 5,
        version,
        reason: 'seed',
      });
    } finally {
      await fresh.stop();
    }
  });

  it('when a product already exists, then the seed does not run', async () => {
    const fresh = await startInventory();
    try {
      await fresh.product(1);
      expect(await fresh.stock.seed(loadDemoStock())).toBe(0);
      expect((await request(fresh.app).get('/inventory')).body.items).toHaveLength(1);
    } finally {
      await fresh.stop();
    }
  });
});
