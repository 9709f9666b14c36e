import { randomUUID } from 'node:crypto';
import request from 'supertest';
import {
  OrderConfirmed,
  OrderFailed,
  buildCheckoutRequest,
  buildOrderConfirmed,
  buildOrderFailed,
  buildPaymentAuthorized,
  buildPaymentFailed,
  buildStockFailed,
  buildStockReserved,
  type CloudEvent,
  type EventType,
} from '@checkout/contracts';
import { recordTopics, testPublisher, waitFor } from '../../test/support';
import { OrderStore } from '../src/store/order-store';
import { startHarness, type Harness } from './harness';

let h: Harness;
let recorder: Awaited<ReturnType<typeof recordTopics>>;
let pub: Awaited<ReturnType<typeof testPublisher>>;

beforeAll(async () => {
  h = await startHarness({ consume: true });
  recorder = await recordTopics(['order.confirmed', 'order.failed']);
  pub = await testPublisher();
});
afterAll(async () => {
  await pub.stop();
  await recorder.stop();
  await h.stop();
});

const newOrder = async (): Promise<string> => {
  const res = await request(h.app).post('/checkout').send(buildCheckoutRequest());
  expect(res.status).toBe(202);
  return res.body.orderId as string;
};
const order = async (orderId: string) => (await request(h.app).get(`/orders/${orderId}`)).body;

/** Publishes as another service would, and waits until checkout-service has handled it. */
const deliver = async <T extends EventType>(type: T, data: Parameters<typeof pub.publish<T>>[1], id?: string) => {
  const timesHandled = (eventId: string) => h.handled.filter((x) => x === eventId).length;
  const before = id ? timesHandled(id) : 0;
  const event = await pub.publish(type, data, id ? { id } : {});
  await waitFor(() => timesHandled(event.id) > before, { what: `${type} to be handled` });
  return event;
};

/**
 * What checkout-service emitted for an order, once nothing more can be on its way: the outbox is
 * drained, and a marker published after it with the same key (same partition) has been recorded.
 */
const emittedFor = async (orderId: string) => {
  await h.outboxDrained();
  const marks = [
    await pub.publish('order.confirmed', buildOrderConfirmed({ orderId }), { source: '/marker' }),
    await pub.publish('order.failed', buildOrderFailed({ orderId }), { source: '/marker' }),
  ];
  await waitFor(() => marks.every((m) => recorder.messages.some((r) => r.event?.id === m.id)), { what: 'markers' });
  const ours = (type: EventType): CloudEvent[] =>
    recorder.events(type).filter((e) => e.subject === orderId && e.source === '/checkout-service');
  return { confirmed: ours('order.confirmed'), failed: ours('order.failed') };
};

describe('stock.reserved and payment.authorized', () => {
  it('when stock is reserved and payment authorized, then the order is CONFIRMED and order.confirmed is emitted once', async () => {
    const orderId = await newOrder();
    await deliver('stock.reserved', buildStockReserved({ orderId }));
    expect(await order(orderId)).toMatchObject({ status: 'STOCK_RESERVED' });

    const correlationId = randomUUID();
    const event = await pub.publish(
      'payment.authorized',
      buildPaymentAuthorized({ orderId, paymentId: 'ch_123', amount: 1999 }),
      {
        correlationId,
      },
    );
    await waitFor(() => h.handled.includes(event.id));
    const view = await order(orderId);
    expect(view).toMatchObject({ status: 'CONFIRMED', paymentId: 'ch_123' });
    expect(view.history.map((e: { status: string }) => e.status)).toEqual(['PENDING', 'STOCK_RESERVED', 'CONFIRMED']);

    const { confirmed, failed } = await emittedFor(orderId);
    expect(confirmed).toHaveLength(1);
    expect(failed).toEqual([]);
    expect(OrderConfirmed.parse(confirmed[0]!.data)).toEqual({
      orderId,
      paymentId: 'ch_123',
      total: 1999,
      currency: 'USD',
    });
    expect(confirmed[0]!.correlationId).toBe(correlationId);
  });

  it('when another checkout instance created the order, then payment.authorized still confirms it with its total', async () => {
    // An app with a store of its own: this process's store has never seen the order, so it reads it.
    const other = h.appWith({ orders: new OrderStore(h.redis, h.outbox, h.prefix) });
    const res = await request(other).post('/checkout').send(buildCheckoutRequest());
    expect(res.status).toBe(202);
    const orderId = res.body.orderId as string;
    await deliver('payment.authorized', buildPaymentAuthorized({ orderId, paymentId: 'ch_elsewhere' }));
    expect(await order(orderId)).toMatchObject({ status: 'CONFIRMED', paymentId: 'ch_elsewhere' });
    const { confirmed } = await emittedFor(orderId);
    expect(confirmed.map((e) => e.data)).toEqual([
      { orderId, paymentId: 'ch_elsewhere', total: 1999, currency: 'USD' },
    ]);
  });

  it('when the charge is of another amount than the order total, then the order is still CONFIRMED with its own total, and the mismatch is counted once', async () => {
    const mismatches = async () =>
      (await h.deps.metrics.registry.getSingleMetric('orders_amount_mismatch_total')?.get())?.values[0]?.value ?? 0;
    const before = await mismatches();
    const orderId = await newOrder(); // total 1999
    const event = await deliver(
      'payment.authorized',
      buildPaymentAuthorized({ orderId, paymentId: 'ch_odd', amount: 2999 }),
    );
    // The charge stands and inventory sold the stock on this event: confirmed, for an operator to settle.
    expect(await order(orderId)).toMatchObject({ status: 'CONFIRMED', paymentId: 'ch_odd', total: 1999 });
    expect(await mismatches()).toBe(before + 1);

    await deliver('payment.authorized', event.data, event.id); // a redelivery: nothing new to say
    const matching = await newOrder();
    await deliver('payment.authorized', buildPaymentAuthorized({ orderId: matching, amount: 1999 }));
    expect(await mismatches()).toBe(before + 1);
    const { confirmed } = await emittedFor(orderId);
    expect(confirmed.map((e) => e.data)).toEqual([{ orderId, paymentId: 'ch_odd', total: 1999, currency: 'USD' }]);
  });

  it('when an event was created a while ago, then the history entry is stamped when checkout recorded the change', async () => {
    const orderId = await newOrder();
    const before = Date.now();
    const time = new Date(before - 60_000).toISOString();
    const event = await pub.publish('payment.authorized', buildPaymentAuthorized({ orderId }), { time });
    await waitFor(() => h.handled.includes(event.id));
    const confirmed = (await order(orderId)).history.find((e: { status: string }) => e.status === 'CONFIRMED');
    expect(Date.parse(confirmed.at)).toBeGreaterThanOrEqual(before);
  });

  it('when payment.authorized arrives before stock.reserved, then CONFIRMED holds and the late event changes nothing', async () => {
    const orderId = await newOrder();
    await deliver('payment.authorized', buildPaymentAuthorized({ orderId }));
    await deliver('stock.reserved', buildStockReserved({ orderId }));
    const view = await order(orderId);
    expect(view.status).toBe('CONFIRMED');
    expect(view.history.map((e: { status: string }) => e.status)).toEqual(['PENDING', 'CONFIRMED']);
    expect((await emittedFor(orderId)).confirmed).toHaveLength(1);
  });

  it('when the same stock.reserved is delivered twice, then history records it once', async () => {
    const orderId = await newOrder();
    const first = await deliver('stock.reserved', buildStockReserved({ orderId }));
    await deliver('stock.reserved', first.data, first.id);
    const view = await order(orderId);
    expect(view.history.map((e: { status: string }) => e.status)).toEqual(['PENDING', 'STOCK_RESERVED']);
  });
});

describe('stock.failed', () => {
  it('when stock cannot be reserved, then the order is FAILED at stage stock and order.failed is emitted', async () => {
    const orderId = await newOrder();
    const shortages = [{ productId: 'sku-007', requested: 2, available: 1 }];
    await deliver(
      'stock.failed',
      buildStockFailed({ orderId, code: 'INSUFFICIENT_STOCK', reason: 'only 1 left', shortages }),
    );
    const view = await order(orderId);
    expect(view).toMatchObject({ status: 'FAILED', code: 'INSUFFICIENT_STOCK', reason: 'only 1 left' });
    // The contract fixes the view's fields: the shortages go on the status stream only (order-events.test).
    expect(view).not.toHaveProperty('shortages');
    const { failed } = await emittedFor(orderId);
    expect(failed).toHaveLength(1);
    expect(OrderFailed.parse(failed[0]!.data)).toEqual({
      orderId,
      stage: 'stock',
      code: 'INSUFFICIENT_STOCK',
      reason: 'only 1 left',
    });
  });
});

describe('payment.failed', () => {
  it('when payment fails after the reservation, then the order is FAILED at stage payment', async () => {
    const orderId = await newOrder();
    await deliver('stock.reserved', buildStockReserved({ orderId }));
    await deliver('payment.failed', buildPaymentFailed({ orderId, code: 'INSUFFICIENT_FUNDS', reason: 'declined' }));
    const view = await order(orderId);
    expect(view).toMatchObject({ status: 'FAILED', code: 'INSUFFICIENT_FUNDS', reason: 'declined' });
    expect(view).not.toHaveProperty('shortages');
    expect(view.history.map((e: { status: string }) => e.status)).toEqual(['PENDING', 'STOCK_RESERVED', 'FAILED']);
    const { failed } = await emittedFor(orderId);
    expect(failed.map((e) => e.data)).toEqual([
      { orderId, stage: 'payment', code: 'INSUFFICIENT_FUNDS', reason: 'declined' },
    ]);
  });
});

describe('terminal states', () => {
  it('when a CONFIRMED order gets a duplicate, a payment.failed and a stock.failed, then nothing changes and nothing is emitted', async () => {
    const orderId = await newOrder();
    await deliver('stock.reserved', buildStockReserved({ orderId }));
    const authorized = await deliver('payment.authorized', buildPaymentAuthorized({ orderId, paymentId: 'ch_once' }));
    const before = await order(orderId);

    await deliver('payment.authorized', authorized.data, authorized.id);
    await deliver('payment.authorized', buildPaymentAuthorized({ orderId, paymentId: 'ch_other' }));
    await deliver('payment.failed', buildPaymentFailed({ orderId }));
    await deliver('stock.failed', buildStockFailed({ orderId }));

    expect(await order(orderId)).toEqual(before);
    const { confirmed, failed } = await emittedFor(orderId);
    expect(confirmed.map((e) => e.data)).toEqual([{ orderId, paymentId: 'ch_once', total: 1999, currency: 'USD' }]);
    expect(failed).toEqual([]);
  });

  it('when a FAILED order gets payment.authorized, then it stays FAILED and nothing is confirmed', async () => {
    const orderId = await newOrder();
    await deliver('stock.failed', buildStockFailed({ orderId }));
    const before = await order(orderId);
    await deliver('payment.authorized', buildPaymentAuthorized({ orderId }));
    await deliver('stock.reserved', buildStockReserved({ orderId }));
    expect(await order(orderId)).toEqual(before);
    const { confirmed, failed } = await emittedFor(orderId);
    expect(confirmed).toEqual([]);
    expect(failed).toHaveLength(1);
  });
});

describe('events for an order this service never created', () => {
  it('when payment.authorized names an unknown order, then nothing is stored and nothing emitted', async () => {
    const orderId = `ord_${randomUUID()}`;
    await deliver('payment.authorized', buildPaymentAuthorized({ orderId }));
    expect((await request(h.app).get(`/orders/${orderId}`)).status).toBe(404);
    const { confirmed, failed } = await emittedFor(orderId);
    expect([...confirmed, ...failed]).toEqual([]);
  });
});
