import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { EventConsumer, type EventHandler, type HandlerMap } from '@checkout/chassis';
import { buildOrderCreated, buildPaymentAuthorized } from '@checkout/contracts';
import { recordTopics, testPublisher, waitFor } from '../../test/support';
import { startInventory, type Harness } from './harness';

let inv: Harness;
let consumer: EventConsumer;
let recorder: Awaited<ReturnType<typeof recordTopics>>;
let publisher: Awaited<ReturnType<typeof testPublisher>>;
const ours = new Set<string>();

/** The broker is shared by every test file: only this file's orders reach the handlers. */
const onlyOurs = (handlers: HandlerMap): HandlerMap => {
  const filtered: Record<string, EventHandler> = {};
  for (const [type, handle] of Object.entries(handlers) as [string, EventHandler][]) {
    filtered[type] = async (event, ctx) => {
      if (ours.has((event.data as { orderId: string }).orderId)) await handle(event, ctx);
    };
  }
  return filtered as HandlerMap;
};

beforeAll(async () => {
  inv = await startInventory();
  consumer = new EventConsumer({
    kafka: inv.kafka,
    service: 'inventory-service',
    groupId: `inventory-service-test-${randomUUID()}`,
    handlers: onlyOurs(inv.handlers),
    publisher: inv.publisher,
    logger: inv.logger,
    metrics: inv.metrics,
    maxWaitTimeInMs: 10,
    sessionTimeout: 6000,
  });
  [recorder, publisher] = await Promise.all([recordTopics(['stock.reserved']), testPublisher(), consumer.start()]).then(
    ([r, p]) => [r, p] as const,
  );
});
afterAll(async () => {
  await consumer.stop();
  await publisher.stop();
  await recorder.stop();
  await inv.stop();
});

describe('inventory-service over Kafka', () => {
  it('when order.created is published, then stock.reserved is published; payment.authorized then commits', async () => {
    const a = await inv.product(10);
    const va = await inv.version(a);
    const order = buildOrderCreated({ items: [{ productId: a, quantity: 2, unitPrice: 100 }] });
    ours.add(order.orderId);
    const sent = await publisher.publish('order.created', order);

    const reserved = await recorder.waitForEvent('stock.reserved', (e) => e.data.orderId === order.orderId);
    expect(reserved.data.levels).toEqual([{ productId: a, available: 8, version: va + 1 }]);
    expect(reserved.correlationId).toBe(sent.correlationId);
    expect(reserved.source).toBe('/inventory-service');

    await publisher.publish('payment.authorized', buildPaymentAuthorized({ orderId: order.orderId }));
    await waitFor(async () => (await request(inv.app).get(`/inventory/${a}`)).body.sold === 2, { what: 'the commit' });
    expect((await request(inv.app).get(`/inventory/${a}`)).body).toMatchObject({ available: 8, reserved: 0, sold: 2 });
  });
});
