import http from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { closeServer, listen, type Redis } from '@checkout/chassis';
import { buildCheckoutRequest } from '@checkout/contracts';
import { useOwnRedis, waitFor, type RedisServer } from '../../test/support';
import { OrderStore } from '../src/store/order-store';
import { validAnswer } from './fake-validation';
import { startHarness, type Harness } from './harness';

/**
 * The read side of checkout-service (GET /orders/{id} and its SSE stream) while Redis stalls, goes
 * away, or comes back without the order, on a redis-server of the test's own.
 */
describe('checkout read side — Redis stalls and goes away', () => {
  const own = useOwnRedis('sse-redis-test');
  let h: Harness;
  let redisServer: RedisServer;
  let redis: Redis;
  let orders: OrderStore;
  let server: Server;

  beforeAll(async () => {
    h = await startHarness();
    h.fake.answerWith(validAnswer);
    ({ server: redisServer, redis } = own);
    orders = new OrderStore(redis, h.outbox, h.prefix);
    server = await listen(h.appWith({ orders }), 0, '127.0.0.1');
  });
  afterAll(async () => {
    redisServer?.thaw();
    await closeServer(server);
    await h?.stop();
  });

  const place = async () =>
    (await request(server).post('/checkout').send(buildCheckoutRequest())).body.orderId as string;

  it('when Redis stalls for 3 s mid-stream and the order moves on after, then every status is delivered once and the stream ends', async () => {
    const orderId = await place();
    const { port } = server.address() as AddressInfo;
    let text = '';
    const done = new Promise<void>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: `/orders/${orderId}/events` }, (res) => {
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', resolve);
        })
        .on('error', reject);
    });
    await waitFor(() => text.includes('PENDING'), { what: 'the stream to open' });
    redisServer.freeze();
    await new Promise((r) => setTimeout(r, 3000));
    redisServer.thaw();
    await orders.transition(orderId, { status: 'STOCK_RESERVED', at: new Date().toISOString() });
    h.changes.notify(orderId);
    await orders.transition(orderId, {
      status: 'CONFIRMED',
      at: new Date().toISOString(),
      fields: { paymentId: 'pay_1' },
    });
    h.changes.notify(orderId);
    await done;
    const statuses = text
      .split('\n\n')
      .filter((b) => b.startsWith('event: status'))
      .map((b) => JSON.parse(b.split('data: ')[1]!).status);
    expect(statuses).toEqual(['PENDING', 'STOCK_RESERVED', 'CONFIRMED']);
    expect(h.changes.listeners(orderId)).toBe(0);
  }, 30_000);

  it('when Redis stalls, then GET /orders/{id} and its stream answer 503 DEPENDENCY_UNAVAILABLE without hanging', async () => {
    const orderId = await place();
    redisServer.freeze();
    try {
      const started = Date.now();
      const [one, stream] = await Promise.all([
        request(server).get(`/orders/${orderId}`),
        request(server).get(`/orders/${orderId}/events`),
      ]);
      expect([one.status, one.body.error, stream.status, stream.body.error]).toEqual([
        503,
        'DEPENDENCY_UNAVAILABLE',
        503,
        'DEPENDENCY_UNAVAILABLE',
      ]);
      // Bounded: each Redis call a request makes waits out its own REDIS_COMMAND_TIMEOUT_MS (2 s).
      expect(Date.now() - started).toBeLessThan(8000);
    } finally {
      redisServer.thaw();
    }
  }, 30_000);

  it("when Redis stalls as a browser's EventSource reconnects, then it is told over the stream to come back, and its next try resumes after its Last-Event-ID", async () => {
    const orderId = await place();
    redisServer.freeze();
    let told: request.Response;
    try {
      told = await request(server)
        .get(`/orders/${orderId}/events`)
        .set('Accept', 'text/event-stream')
        .set('Last-Event-ID', '0');
    } finally {
      redisServer.thaw();
    }
    // A 503 here ends an EventSource for good (it ignores Retry-After); a 200 stream that ends is a reconnect.
    expect([told.status, told.headers['content-type']]).toEqual([200, 'text/event-stream; charset=utf-8']);
    const [, retry] = /^: DEPENDENCY_UNAVAILABLE, reconnect in \d+ ms\nretry: (\d+)\n\n$/.exec(told.text) ?? [];
    expect(Number(retry)).toBeGreaterThanOrEqual(1000);
    expect(Number(retry)).toBeLessThanOrEqual(2000);
    expect(told.text).not.toContain('event:');

    await orders.transition(orderId, { status: 'STOCK_RESERVED', at: new Date().toISOString() });
    await orders.transition(orderId, {
      status: 'CONFIRMED',
      at: new Date().toISOString(),
      fields: { paymentId: 'pay_1' },
    });
    const resumed = await request(server)
      .get(`/orders/${orderId}/events`)
      .set('Accept', 'text/event-stream')
      .set('Last-Event-ID', '0');
    const ids = resumed.text
      .split('\n\n')
      .filter((b) => b.startsWith('event: status'))
      .map((b) => b.split('\n')[1]);
    expect([resumed.status, ids]).toEqual([200, ['id: 1', 'id: 2']]);
  }, 30_000);

  it('when Redis is gone (killed), then GET /orders/{id} and its stream answer 503 at once, and 200 once it is back', async () => {
    const orderId = await place();
    await redisServer.kill();
    try {
      await waitFor(() => redis.status !== 'ready', { what: 'ioredis to see the close' });
      const started = Date.now();
      const one = await request(server).get(`/orders/${orderId}`);
      const stream = await request(server).get(`/orders/${orderId}/events`);
      expect([one.status, one.body.error, stream.status, stream.body.error]).toEqual([
        503,
        'DEPENDENCY_UNAVAILABLE',
        503,
        'DEPENDENCY_UNAVAILABLE',
      ]);
      expect(Date.now() - started).toBeLessThan(2500);
    } finally {
      await redisServer.restart();
    }
    await waitFor(async () => (await request(server).get(`/orders/${orderId}`)).status === 404, {
      what: 'answers again (the order was lost: no AOF)',
    });
  }, 30_000);

  it('when the order is lost in a Redis restart while a client watches it, then the stream ends (the client reconnects and gets 404)', async () => {
    const { port } = server.address() as AddressInfo;
    const placed = await request(server).post('/checkout').send(buildCheckoutRequest());
    expect(placed.status).toBe(202);
    const orderId = placed.body.orderId as string;

    let text = '';
    let ended = false;
    const req = http.get({ host: '127.0.0.1', port, path: `/orders/${orderId}/events` }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => (ended = true));
    });
    req.on('error', () => undefined);
    try {
      await waitFor(() => h.changes.listeners(orderId) > 0 && text.includes('PENDING'), { what: 'the stream to open' });

      await redisServer.restart(); // no persistence: the order is gone
      await waitFor(async () => (await redis.ping().catch(() => '')) === 'PONG', { what: 'redis back' });
      expect((await request(server).get(`/orders/${orderId}`)).status).toBe(404);

      await waitFor(() => ended, { what: 'the stream to end', timeoutMs: 5000 });
      // It stayed open for good, polling Redis for an order that no longer exists.
      expect({ ended, listeners: h.changes.listeners(orderId) }).toEqual({ ended: true, listeners: 0 });
    } finally {
      req.destroy();
    }
  }, 30_000);
});
