import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { closeServer, listen } from '@checkout/chassis';
import type { Express } from 'express';
import {
  buildCheckoutRequest,
  buildPaymentAuthorized,
  buildPaymentFailed,
  buildStockFailed,
  buildStockReserved,
  type EventType,
} from '@checkout/contracts';
import { testPublisher, waitFor } from '../../test/support';
import { OrderChanges } from '../src/domain/order-changes';
import { invalidAnswer, validAnswer } from './fake-validation';
import { startHarness, type Harness } from './harness';

let h: Harness;
let pub: Awaited<ReturnType<typeof testPublisher>>;

beforeAll(async () => {
  h = await startHarness({ consume: true });
  pub = await testPublisher();
});
afterAll(async () => {
  await pub.stop();
  await h.stop();
});
beforeEach(() => h.fake.answerWith(validAnswer));

interface StatusEvent {
  orderId: string;
  status: string;
  code?: string;
  reason?: string;
  shortages?: unknown[];
  at: string;
}

/** An SSE block's fields, by name (one line each here). */
const fieldsOf = (block: string): Record<string, string> =>
  Object.fromEntries(
    block.split('\n').map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)]),
  );

/** Reads the whole stream (it ends after a terminal status) and returns its `status` events and their ids. */
const readStream = (app: Express, orderId: string, lastEventId?: string) => {
  const req = request(app).get(`/orders/${orderId}/events`);
  if (lastEventId !== undefined) req.set('Last-Event-ID', lastEventId);
  return req
    .buffer(true)
    .parse((res, done) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => done(null, text));
    })
    .then((res) => {
      const blocks = String(res.body)
        .split('\n\n')
        .filter((block) => block.startsWith('event: status\n'))
        .map(fieldsOf);
      return {
        res,
        events: blocks.map((f) => JSON.parse(f.data!) as StatusEvent),
        ids: blocks.map((f) => f.id),
      };
    });
};

const newOrder = async () =>
  (await request(h.app).post('/checkout').send(buildCheckoutRequest())).body.orderId as string;

/** An order taken through the saga (reservation first, topics are not ordered among themselves). */
const confirmedOrder = async () => {
  const orderId = await newOrder();
  const reserved = await pub.publish('stock.reserved', buildStockReserved({ orderId }));
  await waitFor(() => h.handled.includes(reserved.id), { what: 'stock.reserved to be handled' });
  await pub.publish('payment.authorized', buildPaymentAuthorized({ orderId }));
  await waitFor(async () => (await request(h.app).get(`/orders/${orderId}`)).body.status === 'CONFIRMED', {
    what: 'the order to be CONFIRMED',
  });
  return orderId;
};

describe('GET /orders/:orderId/events', () => {
  it('when the order is unknown, then 404', async () => {
    expect((await request(h.app).get('/orders/ord_unknown/events')).status).toBe(404);
  });

  it('when the order is already FAILED, then one status event with code and reason, and the stream ends', async () => {
    h.fake.answerWith(invalidAnswer([{ code: 'EMPTY_CART', message: 'the cart has no items' }]));
    const orderId = (await request(h.app).post('/checkout').send(buildCheckoutRequest())).body.orderId as string;
    const { res, events } = await readStream(h.app, orderId);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    // Behind nginx (or ingress-nginx) the events are not held in its buffer.
    expect(res.headers['x-accel-buffering']).toBe('no');
    expect(events).toEqual([
      { orderId, status: 'FAILED', code: 'EMPTY_CART', reason: 'the cart has no items', at: expect.any(String) },
    ]);
  });

  it('when a client connects after the order is CONFIRMED, then it gets every change in order, then the stream ends', async () => {
    const orderId = await confirmedOrder();
    const { res, events, ids } = await readStream(h.app, orderId);
    expect(res.status).toBe(200);
    expect(events).toEqual([
      { orderId, status: 'PENDING', at: expect.any(String) },
      { orderId, status: 'STOCK_RESERVED', at: expect.any(String) },
      { orderId, status: 'CONFIRMED', at: expect.any(String) },
    ]);
    expect(ids).toEqual(['0', '1', '2']);
  });

  it('when the saga runs while a client listens, then it receives every status and the stream ends on CONFIRMED', async () => {
    const orderId = await newOrder();
    const stream = readStream(h.app, orderId);
    await waitFor(() => h.changes.listeners(orderId) > 0, { what: 'the stream to subscribe' });

    // Topics are not ordered among themselves: let the reservation land before the payment.
    const reserved = await pub.publish('stock.reserved', buildStockReserved({ orderId }));
    await waitFor(() => h.handled.includes(reserved.id), { what: 'stock.reserved to be handled' });
    await pub.publish('payment.authorized', buildPaymentAuthorized({ orderId }));

    const { events, ids } = await stream;
    expect(events.map((e) => e.status)).toEqual(['PENDING', 'STOCK_RESERVED', 'CONFIRMED']);
    expect(ids).toEqual(['0', '1', '2']); // the history's indexes, what a reconnect sends back
    expect(h.changes.listeners(orderId)).toBe(0);
  });

  it('when another instance changes the order, then the slow poll still delivers it and the stream ends on FAILED', async () => {
    const orderId = await newOrder();
    // A second instance: its own in-process notifier, which this instance's consumer never calls.
    const elsewhere = new OrderChanges();
    const stream = readStream(h.appWith({ changes: elsewhere }), orderId);
    await waitFor(() => elsewhere.listeners(orderId) > 0, { what: 'the stream to subscribe' });

    await pub.publish('payment.failed', buildPaymentFailed({ orderId, code: 'INVALID_CARD', reason: 'invalid card' }));

    const { events } = await stream;
    expect(events).toEqual([
      { orderId, status: 'PENDING', at: expect.any(String) },
      { orderId, status: 'FAILED', code: 'INVALID_CARD', reason: 'invalid card', at: expect.any(String) },
    ]);
  });

  it('when the order fails on stock after its 202, then the FAILED event names the lines that ran out, as a 422 does', async () => {
    const orderId = await newOrder();
    const stream = readStream(h.app, orderId);
    await waitFor(() => h.changes.listeners(orderId) > 0, { what: 'the stream to subscribe' });
    const shortages = [
      { productId: 'sku-001', requested: 3, available: 1 },
      { productId: 'sku-002', requested: 1, available: 0 },
    ];
    const reason = 'insufficient stock for sku-001, sku-002';
    await pub.publish('stock.failed', buildStockFailed({ orderId, code: 'INSUFFICIENT_STOCK', reason, shortages }));

    const { events } = await stream;
    expect(events).toEqual([
      { orderId, status: 'PENDING', at: expect.any(String) },
      { orderId, status: 'FAILED', code: 'INSUFFICIENT_STOCK', reason, shortages, at: expect.any(String) },
    ]);
    // A client that connects later gets them too (they are kept with the order).
    expect((await readStream(h.app, orderId)).events[1]).toMatchObject({ shortages });
  });

  it('when the stored shortages do not read as such, then they are left out, and the order still reads', async () => {
    const orderId = await newOrder();
    const shortages = [{ productId: 'sku-001', requested: 3, available: 1 }];
    await pub.publish('stock.failed', buildStockFailed({ orderId, code: 'INSUFFICIENT_STOCK', shortages }));
    await waitFor(async () => (await request(h.app).get(`/orders/${orderId}`)).body.status === 'FAILED', {
      what: 'the order to be FAILED',
    });
    await h.redis.hset(`${h.prefix}:order:${orderId}`, 'shortages', '[{"productId":');
    expect((await request(h.app).get(`/orders/${orderId}`)).status).toBe(200);
    const { events } = await readStream(h.app, orderId);
    expect(events[1]).toMatchObject({ status: 'FAILED', code: 'INSUFFICIENT_STOCK' });
    expect(events[1]).not.toHaveProperty('shortages');
  });

  it('when stock.failed carries an empty shortages list, then the FAILED event has none and nothing is stored', async () => {
    const orderId = await newOrder();
    await pub.publish('stock.failed', buildStockFailed({ orderId, code: 'UNKNOWN_PRODUCT', shortages: [] }));
    const { events } = await readStream(h.app, orderId);
    expect(events[1]).toMatchObject({ status: 'FAILED', code: 'UNKNOWN_PRODUCT' });
    expect(events[1]).not.toHaveProperty('shortages');
    expect(await h.redis.hexists(`${h.prefix}:order:${orderId}`, 'shortages')).toBe(0);
  });

  /**
   * A browser's EventSource reconnects a few seconds after any stream ends, the one closed at a
   * terminal status too, and sends the last id it got as Last-Event-ID. Without ids each reconnect
   * got the terminal status again, for as long as the page stayed open.
   */
  describe('a reconnecting client (Last-Event-ID)', () => {
    it('when it already has the terminal status, then 204 (EventSource stops reconnecting) and nothing is sent', async () => {
      const orderId = await confirmedOrder();
      const { res, events } = await readStream(h.app, orderId, '2');
      expect(res.status).toBe(204);
      expect(events).toEqual([]);
    });

    it('when it missed changes, then it gets only the entries after its last id, and the stream ends', async () => {
      const orderId = await confirmedOrder();
      const { res, events, ids } = await readStream(h.app, orderId, '0');
      expect(res.status).toBe(200);
      expect(events.map((e) => e.status)).toEqual(['STOCK_RESERVED', 'CONFIRMED']);
      expect(ids).toEqual(['1', '2']);
    });

    it.each(['3', 'abc', '-1', '1e1', ''])(
      'when its Last-Event-ID (%j) is no entry of this order, then it gets every change as a new client does',
      async (lastEventId) => {
        const orderId = await confirmedOrder();
        const { res, events, ids } = await readStream(h.app, orderId, lastEventId);
        expect(res.status).toBe(200);
        expect(events.map((e) => e.status)).toEqual(['PENDING', 'STOCK_RESERVED', 'CONFIRMED']);
        expect(ids).toEqual(['0', '1', '2']);
      },
    );

    it('when its order is still under way, then the stream stays open without repeating what it had, and sends the next change', async () => {
      const orderId = await newOrder();
      const stream = readStream(h.app, orderId, '0');
      await waitFor(() => h.changes.listeners(orderId) > 0, { what: 'the stream to subscribe' });
      await pub.publish(
        'payment.failed',
        buildPaymentFailed({ orderId, code: 'INVALID_CARD', reason: 'invalid card' }),
      );

      const { events, ids } = await stream;
      expect(events.map((e) => e.status)).toEqual(['FAILED']);
      expect(ids).toEqual(['1']);
    });
  });

  it('when the client disconnects, then its listener is removed', async () => {
    const orderId = await newOrder();
    // A server of its own, closed here: a supertest request aborted before its response reached the
    // client never settles, and the server supertest started for h.app then stayed open for good.
    const server = await listen(h.app, 0, '127.0.0.1');
    try {
      const { port } = server.address() as AddressInfo;
      const req = http.get({ host: '127.0.0.1', port, path: `/orders/${orderId}/events` });
      req.on('error', () => undefined);
      await waitFor(() => h.changes.listeners(orderId) > 0, { what: 'the stream to subscribe' });
      req.destroy();
      await waitFor(() => h.changes.listeners(orderId) === 0, { what: 'the listener to be removed' });
    } finally {
      await closeServer(server);
    }
  });
  it('when the service shuts down while a client watches a PENDING order, then the stream ends cleanly and the server closes', async () => {
    const orderId = await newOrder();
    const server = await listen(h.app, 0, '127.0.0.1');
    const { port } = server.address() as AddressInfo;
    const body = new Promise<{ text: string; complete: boolean }>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: `/orders/${orderId}/events` }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ text, complete: res.complete }));
        })
        .on('error', reject);
    });
    await waitFor(() => h.changes.listeners(orderId) > 0, { what: 'the stream to subscribe' });

    // close() alone waits for every open response: this one would stay open until the order ends.
    await closeServer(server);
    const { text, complete } = await body;
    expect(complete).toBe(true);
    expect(text).toContain('"status":"PENDING"');
    expect(h.changes.listeners(orderId)).toBe(0);
  });
});

/**
 * An order that has ended (CONFIRMED, or FAILED at validation with a 422) expires after
 * RECORD_RETENTION_MS, so checkout's Redis does not grow by ~1 KB per order for good; one still
 * under way is kept. The retention is at least as long as an Idempotency-Key, whose replay answers
 * `Location: /orders/{orderId}` for 24 h.
 */
describe('retention of an ended order (RECORD_RETENTION_MS)', () => {
  const IDEMPOTENCY_TTL_MS = 86_400_000;
  const deliver = async <T extends EventType>(type: T, data: Parameters<typeof pub.publish<T>>[1]) => {
    const event = await pub.publish(type, data);
    await waitFor(() => h.handled.includes(event.id), { what: `${type} to be handled` });
  };
  const statusOf = async (orderId: string) => (await request(h.app).get(`/orders/${orderId}`)).body.status as string;

  it('when an order has reached CONFIRMED, then its record expires (a TTL at least as long as its idempotency key), rather than living forever', async () => {
    const res = await request(h.app)
      .post('/checkout')
      .set('Idempotency-Key', randomUUID())
      .send(buildCheckoutRequest());
    expect(res.status).toBe(202);
    const { orderId } = res.body as { orderId: string };
    expect(await h.redis.pttl(`${h.prefix}:order:${orderId}`)).toBe(-1); // under way: kept until it ends
    await deliver('stock.reserved', buildStockReserved({ orderId }));
    await deliver('payment.authorized', buildPaymentAuthorized({ orderId }));
    await waitFor(async () => (await statusOf(orderId)) === 'CONFIRMED', { what: 'the order to be CONFIRMED' });

    // Nothing can move a terminal order any more; the unpaid-set entry is already gone.
    const pttl = await h.redis.pttl(`${h.prefix}:order:${orderId}`);

    expect(pttl).toBeGreaterThanOrEqual(IDEMPOTENCY_TTL_MS);
  });

  it('when a cart fails validation (422), then the FAILED order it stores expires instead of accumulating for every bad request', async () => {
    h.fake.answerWith(invalidAnswer([{ code: 'UNKNOWN_PRODUCT', productId: 'sku-nope', message: 'no such product' }]));
    const orderIds: string[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await request(h.app).post('/checkout').send(buildCheckoutRequest());
      expect(res.status).toBe(422);
      orderIds.push(res.body.orderId as string);
    }

    const ttls = await Promise.all(orderIds.map((id) => h.redis.pttl(`${h.prefix}:order:${id}`)));
    const keptForGood = ttls.filter((t) => t === -1).length;

    expect(keptForGood).toBe(0);
  });
});
