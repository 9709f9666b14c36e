import request from 'supertest';
import {
  OpenOrders,
  buildCheckoutRequest,
  buildPaymentAuthorized,
  buildPaymentFailed,
  buildStockReserved,
} from '@checkout/contracts';
import { testPublisher, waitFor } from '../../test/support';
import { invalidAnswer, validAnswer } from './fake-validation';
import { startHarness, type Harness } from './harness';

// An order that stops moving (its next event lost with a broker's data, or dead-lettered) is
// invisible to every counter: the open-orders index lists it, and the gauges age it.
const TOKEN = 'ops-secret';
let h: Harness;
let startedAt: number;
let pub: Awaited<ReturnType<typeof testPublisher>>;

beforeAll(async () => {
  startedAt = Date.now();
  h = await startHarness({ consume: true });
  pub = await testPublisher();
});
afterAll(async () => {
  await pub.stop();
  await h.stop();
});

const admin = () => h.appWith({ adminToken: TOKEN });
const openOrders = async (query = 'olderThanS=0&limit=1000') => {
  const res = await request(admin()).get(`/admin/orders/open?${query}`).set('authorization', `Bearer ${TOKEN}`);
  expect(res.status).toBe(200);
  // Exactly the documented shape (openapi.json): parsing drops any key it does not know.
  expect(OpenOrders.parse(res.body)).toEqual(res.body);
  return res.body as {
    total: number;
    oldestAgeMs: number;
    items: { orderId: string; status: string; acceptedAt: string; ageMs: number; reannounced: number }[];
  };
};
const listed = async (orderId: string) => (await openOrders()).items.find((o) => o.orderId === orderId);
const place = async () => (await request(h.app).post('/checkout').send(buildCheckoutRequest())).body.orderId as string;

describe('GET /admin/orders/open', () => {
  it('when an order is accepted, then it is listed open with its status until it is CONFIRMED', async () => {
    const orderId = await place();
    expect(await listed(orderId)).toEqual({
      orderId,
      status: 'PENDING',
      acceptedAt: expect.any(String),
      ageMs: expect.any(Number),
      reannounced: 0,
    });

    await pub.publish('stock.reserved', buildStockReserved({ orderId }));
    await waitFor(async () => (await listed(orderId))?.status === 'STOCK_RESERVED', { what: 'STOCK_RESERVED' });
    await pub.publish('payment.authorized', buildPaymentAuthorized({ orderId, paymentId: 'ch_open', amount: 1999 }));
    await waitFor(async () => (await listed(orderId)) === undefined, { what: 'the order to leave the list' });
  });

  it('when an order FAILS, then it leaves the list; an order refused at validation is never in it', async () => {
    const failing = await place();
    h.fake.answerWith(invalidAnswer([{ code: 'EMPTY_CART', message: 'the cart has no items' }]));
    let refused: string;
    try {
      const res = await request(h.app).post('/checkout').send(buildCheckoutRequest());
      expect(res.status).toBe(422);
      refused = res.body.orderId;
    } finally {
      h.fake.answerWith(validAnswer);
    }
    expect(await listed(refused)).toBeUndefined();

    await pub.publish('payment.failed', buildPaymentFailed({ orderId: failing }));
    await waitFor(async () => (await listed(failing)) === undefined, { what: 'the failed order to leave the list' });
  });

  it('when asked for orders older than a minute, then a fresh one is not listed but counted', async () => {
    const orderId = await place();
    const old = await openOrders('olderThanS=60');
    expect(old.items.find((o) => o.orderId === orderId)).toBeUndefined();
    expect(old.total).toBeGreaterThanOrEqual(1);
  });

  it('when the admin token is missing or none is configured, then 401 or 403 and no list', async () => {
    expect((await request(admin()).get('/admin/orders/open')).status).toBe(401);
    expect((await request(h.app).get('/admin/orders/open').set('authorization', `Bearer ${TOKEN}`)).status).toBe(403);
  });

  it('when olderThanS or limit is not a whole number in range, then 400 names it', async () => {
    for (const [query, field] of [
      ['olderThanS=-1', 'olderThanS'],
      ['limit=0', 'limit'],
      ['limit=5000', 'limit'],
      ['limit[]=1', 'limit[]'],
    ]) {
      const res = await request(admin()).get(`/admin/orders/open?${query}`).set('authorization', `Bearer ${TOKEN}`);
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body.details)).toContain(field);
    }
  });
});

describe('orders_open gauges on /metrics', () => {
  it('when orders are open, then orders_open counts them and the oldest age grows with the oldest one', async () => {
    const before = Date.now();
    const orderId = await place();
    // The oldest open order of this file was placed no later than this one, and not before the file began.
    const { total, oldestAgeMs, items } = await openOrders();
    const mine = items.find((o) => o.orderId === orderId)!;
    expect(mine.ageMs).toBeGreaterThanOrEqual(0);
    expect(mine.ageMs).toBeLessThanOrEqual(Date.now() - before + 50);
    expect(oldestAgeMs).toBeGreaterThanOrEqual(mine.ageMs);
    expect(oldestAgeMs).toBeGreaterThan(0);
    expect(oldestAgeMs).toBeLessThanOrEqual(Date.now() - startedAt + 50);

    const text = (await request(h.app).get('/metrics')).text;
    expect(Number(/^orders_open(?:\{[^}]*\})? (\d+)/m.exec(text)?.[1])).toBe(total);
    const gauge = Number(/^orders_open_oldest_age_seconds(?:\{[^}]*\})? ([\d.e+-]+)$/m.exec(text)?.[1]);
    expect(gauge * 1000).toBeGreaterThanOrEqual(oldestAgeMs);
    expect(gauge * 1000).toBeLessThanOrEqual(Date.now() - startedAt + 50);
  });
});
