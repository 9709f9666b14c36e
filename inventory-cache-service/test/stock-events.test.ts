import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { EventConsumer, Publisher, createKafka, createMetrics } from '@checkout/chassis';
import {
  buildStockReleased,
  buildStockReserved,
  buildStockUpdated,
  createEvent,
  type EventData,
  type EventType,
} from '@checkout/contracts';
import { testBrokers, testPublisher, waitFor } from '../../test/support';
import { stockHandlers } from '../src/handlers';
import { cacheService, logger, productId } from './harness';

const stockOf = async (app: Parameters<typeof request>[0], id: string) => (await request(app).get(`/stock/${id}`)).body;

describe('stock events on Kafka', () => {
  let svc: Awaited<ReturnType<typeof cacheService>>;
  let consumer: EventConsumer;
  let publisherOfDlq: Publisher;
  let publisher: Awaited<ReturnType<typeof testPublisher>>;

  beforeAll(async () => {
    svc = await cacheService('http://127.0.0.1:1');
    const kafka = createKafka({
      brokers: testBrokers(),
      clientId: 'inventory-cache-test',
      logger,
    });
    publisherOfDlq = new Publisher(kafka);
    await publisherOfDlq.connect();
    consumer = new EventConsumer({
      kafka,
      service: 'inventory-cache-service',
      groupId: `inventory-cache-test-${randomUUID()}`,
      handlers: stockHandlers(svc.store),
      publisher: publisherOfDlq,
      logger,
      metrics: createMetrics('inventory-cache-test'),
      maxWaitTimeInMs: 10,
      sessionTimeout: 6000,
    });
    await consumer.start();
    await waitFor(() => consumer.ready, { what: 'the cache consumer to join its group' });
    publisher = await testPublisher();
  });

  afterAll(async () => {
    await publisher.stop();
    await consumer.stop();
    await publisherOfDlq.disconnect();
    svc.close();
  });

  describe('stock.updated', () => {
    it('when one is published, then GET /stock shows the new level', async () => {
      const id = productId();
      await publisher.publish('stock.updated', buildStockUpdated({ productId: id, available: 17, version: 5 }));
      await waitFor(async () => (await stockOf(svc.app, id)).version === 5, { what: 'the level to reach the cache' });
      expect(await stockOf(svc.app, id)).toEqual({ productId: id, available: 17, version: 5 });
    });
  });

  describe('stock.reserved', () => {
    it('when one is published, then every level it carries is applied', async () => {
      const [a, b] = [productId(), productId()];
      await publisher.publish(
        'stock.reserved',
        buildStockReserved({
          items: [
            { productId: a, quantity: 1 },
            { productId: b, quantity: 2 },
          ],
          levels: [
            { productId: a, available: 9, version: 2 },
            { productId: b, available: 0, version: 7 },
          ],
        }),
      );
      await waitFor(
        async () =>
          (
            await request(svc.app)
              .post('/stock/query')
              .send({ productIds: [a, b] })
          ).body.items.length === 2,
        {
          what: 'both levels to reach the cache',
        },
      );
      expect(
        (
          await request(svc.app)
            .post('/stock/query')
            .send({ productIds: [a, b] })
        ).body.items,
      ).toEqual([
        { productId: a, available: 9, version: 2 },
        { productId: b, available: 0, version: 7 },
      ]);
    });
  });

  describe('stock.released', () => {
    it('when one is published after a reservation, then the released level replaces the reserved one', async () => {
      const id = productId();
      await publisher.publish(
        'stock.reserved',
        buildStockReserved({
          items: [{ productId: id, quantity: 3 }],
          levels: [{ productId: id, available: 7, version: 2 }],
        }),
      );
      await publisher.publish(
        'stock.released',
        buildStockReleased({ levels: [{ productId: id, available: 10, version: 3 }] }),
      );
      await waitFor(async () => (await stockOf(svc.app, id)).version === 3, { what: 'the released level' });
      expect(await stockOf(svc.app, id)).toEqual({ productId: id, available: 10, version: 3 });
    });
  });
});

describe('stock event handlers', () => {
  const deliver = async <T extends EventType>(
    handlers: ReturnType<typeof stockHandlers>,
    type: T,
    data: EventData<T>,
  ) => {
    const handler = handlers[type] as (e: unknown, ctx: unknown) => Promise<void>;
    const event = createEvent(type, data, { source: '/inventory-service', correlationId: randomUUID() });
    await handler(event, { log: logger, newEvent: () => undefined });
  };

  it('when a newer level arrives before an older one, then the older one never overwrites it', async () => {
    const svc = await cacheService('http://127.0.0.1:1');
    const handlers = stockHandlers(svc.store);
    const id = productId();
    await deliver(
      handlers,
      'stock.released',
      buildStockReleased({ levels: [{ productId: id, available: 20, version: 6 }] }),
    );
    await deliver(handlers, 'stock.updated', buildStockUpdated({ productId: id, available: 99, version: 4 }));
    await deliver(
      handlers,
      'stock.reserved',
      buildStockReserved({
        items: [{ productId: id, quantity: 1 }],
        levels: [{ productId: id, available: 1, version: 6 }],
      }),
    );
    expect(await stockOf(svc.app, id)).toEqual({ productId: id, available: 20, version: 6 });
    svc.close();
  });

  it('when the older level arrives first, then the newer one replaces it', async () => {
    const svc = await cacheService('http://127.0.0.1:1');
    const handlers = stockHandlers(svc.store);
    const id = productId();
    await deliver(handlers, 'stock.updated', buildStockUpdated({ productId: id, available: 99, version: 4 }));
    await deliver(
      handlers,
      'stock.released',
      buildStockReleased({ levels: [{ productId: id, available: 20, version: 6 }] }),
    );
    expect(await stockOf(svc.app, id)).toEqual({ productId: id, available: 20, version: 6 });
    svc.close();
  });

  it('when the same event is delivered twice, then the level is the same as after once', async () => {
    const svc = await cacheService('http://127.0.0.1:1');
    const handlers = stockHandlers(svc.store);
    const id = productId();
    const data = buildStockUpdated({ productId: id, available: 3, version: 2 });
    await deliver(handlers, 'stock.updated', data);
    await deliver(handlers, 'stock.updated', data);
    expect(await stockOf(svc.app, id)).toEqual({ productId: id, available: 3, version: 2 });
    svc.close();
  });
});
