import { randomUUID } from 'node:crypto';
import request from 'supertest';
import {
  buildCheckoutRequest,
  buildPaymentAuthorized,
  buildPaymentFailed,
  buildStockReserved,
} from '@checkout/contracts';
import { testPublisher, waitFor } from '../../test/support';
import { validAnswer } from './fake-validation';
import { loadConfig } from '../src/config';
import { startHarness, type Harness } from './harness';
import { pendingOrder } from './orders';

let h: Harness;
let pub: Awaited<ReturnType<typeof testPublisher>>;

beforeAll(async () => {
  h = await startHarness({ consume: true, maxUnpaidOrders: 3 });
  pub = await testPublisher();
});
afterAll(async () => {
  await pub.stop();
  await h.stop();
});

const customer = () => ({ id: `cust-${randomUUID()}`, name: 'Ada Lovelace', email: 'ada@example.com' });
const checkout = (c: ReturnType<typeof customer>, key?: string) => {
  const req = request(h.app).post('/checkout');
  if (key) req.set('Idempotency-Key', key);
  return req.send(buildCheckoutRequest({ customer: c }));
};
const statusOf = async (orderId: string) => (await request(h.app).get(`/orders/${orderId}`)).body.status as string;

describe('POST /checkout — no cap unless MAX_UNPAID_ORDERS_PER_CUSTOMER sets one', () => {
  it("when the setting is unset, then it is 0 and one customer's concurrent unpaid orders are all accepted", async () => {
    expect(loadConfig({}).MAX_UNPAID_ORDERS_PER_CUSTOMER).toBe(0);
    expect(loadConfig({}).RATE_LIMIT_PER_MINUTE).toBe(0);
    const app = h.appWith({ maxUnpaidOrders: loadConfig({}).MAX_UNPAID_ORDERS_PER_CUSTOMER });
    const c = customer();
    const answers = await Promise.all(
      Array.from({ length: 6 }, () =>
        request(app)
          .post('/checkout')
          .send(buildCheckoutRequest({ customer: c })),
      ),
    );
    expect(answers.map((r) => r.status)).toEqual([202, 202, 202, 202, 202, 202]);
  });
});

describe('POST /checkout — unpaid orders per customer (OWASP API6)', () => {
  it('when a customer holds 3 unpaid orders, then a 4th is 429 naming customer.id, with nothing stored or emitted', async () => {
    const c = customer();
    const start = await h.outboxAdded();
    for (let i = 0; i < 3; i++) expect((await checkout(c)).status).toBe(202);
    const keysBefore = await h.redis.keys(`${h.prefix}:order:*`);
    const addedBefore = await h.outboxAdded();
    expect(addedBefore).toBe(start + 3); // each accepted order added its order.created

    const res = await checkout(c);

    expect(res.status).toBe(429);
    expect(res.body).toEqual({
      error: 'TOO_MANY_UNPAID_ORDERS',
      message: expect.any(String),
      details: [expect.objectContaining({ field: 'customer.id' })],
    });
    expect(await h.outboxAdded()).toBe(addedBefore);
    expect(await h.redis.keys(`${h.prefix}:order:*`)).toHaveLength(keysBefore.length);
  });

  it('when the creating write runs again (a resend after a dropped connection), then it still answers created and writes nothing twice', async () => {
    const c = customer();
    for (let i = 0; i < 2; i++) expect((await checkout(c)).status).toBe(202);
    await h.outboxDrained();
    const { orderId, order, event } = pendingOrder(c.id);

    expect(await h.orders.create(order, [event], { maxUnpaid: 3 })).toBe('created');
    const addedBefore = await h.outboxAdded();
    // The same write again, as ioredis resends it: the customer now holds 3 unpaid orders, this one included.
    expect(await h.orders.create(order, [event], { maxUnpaid: 3 })).toBe('created');
    expect(await h.outboxAdded()).toBe(addedBefore);
    expect(await h.redis.scard(`${h.prefix}:unpaid:${c.id}`)).toBe(3);
    expect(await statusOf(orderId)).toBe('PENDING');
  });

  it("when the creating write finds the customer at the cap (a race past the route's check), then it refuses with nothing stored or emitted", async () => {
    const c = customer();
    for (let i = 0; i < 3; i++) expect((await checkout(c)).status).toBe(202);
    const { orderId, order, event } = pendingOrder(c.id);
    const addedBefore = await h.outboxAdded();

    expect(await h.orders.create(order, [event], { maxUnpaid: 3 })).toBe('too-many-unpaid');
    expect(await h.outboxAdded()).toBe(addedBefore);
    expect(await h.redis.exists(`${h.prefix}:order:${orderId}`)).toBe(0);
    expect(await h.redis.scard(`${h.prefix}:unpaid:${c.id}`)).toBe(3);
  });

  it('when one customer is at the cap, then another customer can still order', async () => {
    const full = customer();
    for (let i = 0; i < 3; i++) await checkout(full);
    expect((await checkout(full)).status).toBe(429);
    expect((await checkout(customer())).status).toBe(202);
  });

  it('when one of the unpaid orders fails and another is confirmed, then the customer can order twice more', async () => {
    const c = customer();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await checkout(c)).body.orderId as string);
    expect((await checkout(c)).status).toBe(429);

    await pub.publish('payment.failed', buildPaymentFailed({ orderId: ids[0]! }));
    await waitFor(async () => (await statusOf(ids[0]!)) === 'FAILED', { what: 'order to fail' });
    expect((await checkout(c)).status).toBe(202);
    expect((await checkout(c)).status).toBe(429);

    await pub.publish('stock.reserved', buildStockReserved({ orderId: ids[1]! }));
    await waitFor(async () => (await statusOf(ids[1]!)) === 'STOCK_RESERVED', { what: 'stock to be reserved' });
    expect((await checkout(c)).status).toBe(429);
    await pub.publish(
      'payment.authorized',
      buildPaymentAuthorized({ orderId: ids[1]!, paymentId: 'ch_1', amount: 1999 }),
    );
    await waitFor(async () => (await statusOf(ids[1]!)) === 'CONFIRMED', { what: 'order to be confirmed' });
    expect((await checkout(c)).status).toBe(202);
  });

  it('when a customer at the cap checks out while validation is down, then the answer is still 429, not 503', async () => {
    const c = customer();
    for (let i = 0; i < 3; i++) expect((await checkout(c)).status).toBe(202);
    h.fake.answerWith(() => ({ status: 503, body: { error: 'DEPENDENCY_UNAVAILABLE' } }));
    try {
      const res = await checkout(c);
      expect(res.status).toBe(429);
      expect(res.body.error).toBe('TOO_MANY_UNPAID_ORDERS');
    } finally {
      h.fake.answerWith(validAnswer);
    }
  });

  it('when 10 requests of one customer arrive at once, then at most 3 are accepted and the rest are 429', async () => {
    const c = customer();
    const addedBefore = await h.outboxAdded();
    const results = await Promise.all(Array.from({ length: 10 }, () => checkout(c)));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 202)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(7);
    // Only the accepted ones were stored and announced, whichever check refused the others.
    expect(await h.outboxAdded()).toBe(addedBefore + 3);
    expect(await h.redis.scard(`${h.prefix}:unpaid:${c.id}`)).toBe(3);
  });

  it('when an accepted order is replayed with its Idempotency-Key, then the replay does not count as a new order', async () => {
    const c = customer();
    const key = randomUUID();
    const first = await checkout(c, key);
    for (let i = 0; i < 3; i++) {
      const replay = await checkout(c, key);
      expect(replay.status).toBe(202);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.body.orderId).toBe(first.body.orderId);
    }
    expect((await checkout(c)).status).toBe(202);
    expect((await checkout(c)).status).toBe(202);
    expect((await checkout(c)).status).toBe(429);
  });

  it('when a request with an Idempotency-Key is refused by the cap, then the key is free to be used again later', async () => {
    const c = customer();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await checkout(c)).body.orderId as string);
    const key = randomUUID();
    expect((await checkout(c, key)).status).toBe(429);

    await pub.publish('payment.failed', buildPaymentFailed({ orderId: ids[0]! }));
    await waitFor(async () => (await statusOf(ids[0]!)) === 'FAILED', { what: 'order to fail' });
    const retried = await checkout(c, key);
    expect(retried.status).toBe(202);
    expect(retried.headers['idempotent-replayed']).toBeUndefined();
  });
});
