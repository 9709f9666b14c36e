import { randomUUID } from 'node:crypto';
import request from 'supertest';
import {
  NotificationList,
  buildOrderConfirmed,
  buildOrderCreated,
  buildOrderFailed,
  buildStockUpdated,
} from '@checkout/contracts';
import { testPublisher, type TestConsumer } from '../../test/support';
import type { Channel } from '../src/channels';
import { maskAddress } from '../src/domain/notification';
import { startNotificationApp } from './harness';

let service: Awaited<ReturnType<typeof startNotificationApp>>;
let consumer: TestConsumer;
let publisher: Awaited<ReturnType<typeof testPublisher>>;

beforeAll(async () => {
  service = await startNotificationApp();
  [consumer, publisher] = await Promise.all([service.consume(), testPublisher()]);
});

afterAll(async () => {
  await Promise.all([consumer?.stop(), publisher?.stop()]);
  await service?.stop();
});

const newOrderId = () => `ord_${randomUUID()}`;
const list = async (orderId: string) => {
  const res = await request(service.app).get('/notifications').query({ orderId });
  expect(res.status).toBe(200);
  // Exactly the documented shape (openapi.json): parsing drops any key it does not know.
  expect(NotificationList.parse(res.body)).toEqual(res.body);
  return res.body.items as { template: string; to: string }[];
};

describe('order.created, order.confirmed, order.failed', () => {
  it('when every event is delivered twice, then each template is sent once to the customer', async () => {
    const orderId = newOrderId();
    const created = await publisher.publish('order.created', buildOrderCreated({ orderId }));
    const confirmed = await publisher.publish('order.confirmed', buildOrderConfirmed({ orderId }));
    const again = [
      await publisher.publish('order.created', created.data, { id: created.id }),
      await publisher.publish('order.created', created.data),
      await publisher.publish('order.confirmed', confirmed.data, { id: confirmed.id }),
    ];
    await consumer.waitHandled([created.id, confirmed.id], 2);
    await consumer.waitHandled(again.map((e) => e.id));

    const items = await list(orderId);
    expect(items.map((n) => n.template).sort()).toEqual(['order-confirmed', 'order-received']);
    // What went through the channel, not only what the store lists: the list keeps one entry per
    // (order, template) whatever the channel was asked to send, so a second send shows only here.
    const sent = service.sent.filter((n) => n.orderId === orderId).map((n) => n.template);
    expect(sent.sort()).toEqual(['order-confirmed', 'order-received']);
    for (const n of items) {
      expect(n).toEqual({
        id: expect.any(String),
        orderId,
        channel: 'log',
        to: 'ada@example.com',
        template: n.template,
        subject: expect.stringContaining(orderId),
        sentAt: expect.any(String),
      });
    }
  });

  it('when order.confirmed arrives before order.created, then it waits for the customer and is sent after', async () => {
    const orderId = newOrderId();
    const confirmed = await publisher.publish('order.confirmed', buildOrderConfirmed({ orderId }));
    await consumer.waitHandled([confirmed.id]);
    expect(await list(orderId)).toEqual([]);

    const created = await publisher.publish('order.created', buildOrderCreated({ orderId }));
    await consumer.waitHandled([created.id]);
    const items = await list(orderId);
    expect(items.map((n) => [n.template, n.to])).toEqual([
      ['order-received', 'ada@example.com'],
      ['order-confirmed', 'ada@example.com'],
    ]);
  });

  it('when a payment-stage order.failed arrives first, then order-failed goes to the customer once order.created arrives', async () => {
    const orderId = newOrderId();
    const failed = await publisher.publish('order.failed', buildOrderFailed({ orderId, stage: 'payment' }));
    await consumer.waitHandled([failed.id]);
    expect(await list(orderId)).toEqual([]);

    const created = await publisher.publish('order.created', buildOrderCreated({ orderId }));
    await consumer.waitHandled([created.id]);
    expect((await list(orderId)).map((n) => [n.template, n.to])).toEqual([
      ['order-received', 'ada@example.com'],
      ['order-failed', 'ada@example.com'],
    ]);
  });

  it('when validation failed, then order-failed is sent at once to "unknown" (no order.created will come)', async () => {
    const orderId = newOrderId();
    const failed = await publisher.publish(
      'order.failed',
      buildOrderFailed({ orderId, stage: 'validation', code: 'EMPTY_CART' }),
    );
    await consumer.waitHandled([failed.id]);
    expect((await list(orderId)).map((n) => [n.template, n.to])).toEqual([['order-failed', 'unknown']]);
  });

  it('when an event has no notification (stock.updated), then it is acknowledged and nothing is sent', async () => {
    const before = service.sent.length;
    const updated = await publisher.publish('stock.updated', buildStockUpdated());
    await consumer.waitHandled([updated.id]);
    // Other suites' orders flow through the same topics meanwhile: what this event could have caused
    // is a notification without an order, or one keyed by its product.
    const caused = service.sent
      .slice(before)
      .filter((n) => !n.orderId || n.orderId === (updated.data as { productId: string }).productId);
    expect(caused).toEqual([]);
  });
});

describe('channels', () => {
  it('when the channel fails, then the notification is not recorded and a retry sends it once', async () => {
    let calls = 0;
    const flaky: Channel = {
      name: 'flaky',
      async send() {
        calls += 1;
        if (calls === 1) throw new Error('smtp down');
      },
    };
    const local = await startNotificationApp(flaky);
    const orderId = newOrderId();
    const pending = { template: 'order-failed' as const, orderId, vars: { reason: 'x' } };
    await expect(local.notifier.send(pending, 'unknown')).rejects.toThrow('smtp down');
    expect(await local.store.list(orderId)).toEqual([]);
    await local.notifier.send(pending, 'unknown');
    await local.notifier.send(pending, 'unknown');
    expect(calls).toBe(2);
    expect(await local.store.list(orderId)).toHaveLength(1);
    await local.stop();
  });

  it('logs show a masked address only', () => {
    expect(maskAddress('ada@example.com')).toBe('a***@example.com');
    expect(maskAddress('unknown')).toBe('unknown');
  });
});

describe('GET /notifications', () => {
  it('when orderId is missing, then 400 names it', async () => {
    const res = await request(service.app).get('/notifications');
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('BAD_REQUEST');
    expect(res.body.details).toEqual([expect.objectContaining({ field: 'orderId' })]);
  });

  it('when nothing was sent for the order, then an empty list', async () => {
    expect(await list(newOrderId())).toEqual([]);
  });
});
