import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { connectRedis, createLogger, createRedis, type Redis } from '@checkout/chassis';
import { buildOrderConfirmed, buildOrderCreated } from '@checkout/contracts';
import { testPublisher, testRedisUrl, waitFor, type TestConsumer } from '../../test/support';
import { startNotificationApp } from './harness';

/**
 * An order's keys (the customer's name and e-mail, the sent markers, the sent records) expire after
 * RECORD_RETENTION_MS instead of being kept for good. The `sent` markers are the dedupe of redelivered
 * order events, so they outlive what Kafka can still redeliver (14 days by default: retention.ms plus segment.ms).
 */
const KAFKA_DEFAULT_KEEP_MS = 14 * 86_400_000;

let service: Awaited<ReturnType<typeof startNotificationApp>>;
let consumer: TestConsumer;
let publisher: Awaited<ReturnType<typeof testPublisher>>;
let redis: Redis;

beforeAll(async () => {
  service = await startNotificationApp();
  [consumer, publisher] = await Promise.all([service.consume(), testPublisher()]);
  redis = createRedis(testRedisUrl(), createLogger('test', 'silent'), 'retention');
  await connectRedis(redis);
});
afterAll(async () => {
  redis?.disconnect();
  await Promise.all([consumer?.stop(), publisher?.stop()]);
  await service?.stop();
});

/** Every key the service holds for the order (its prefix is the test rig's own). */
const keysOf = async (orderId: string): Promise<string[]> => {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `notification-service-test-*:${orderId}*`, 'COUNT', 1000);
    cursor = next;
    found.push(...keys);
  } while (cursor !== '0');
  return found.sort();
};

describe('notification-service retention', () => {
  it('when both notifications of an order were sent, then none of its keys (customer e-mail, sent markers, record list) is kept forever', async () => {
    const orderId = `ord_${randomUUID()}`;
    const created = await publisher.publish('order.created', buildOrderCreated({ orderId }));
    const confirmed = await publisher.publish('order.confirmed', buildOrderConfirmed({ orderId }));
    await consumer.waitHandled([created.id, confirmed.id]);
    await waitFor(
      async () => (await request(service.app).get('/notifications').query({ orderId })).body.items.length === 2,
      { what: 'both notifications to be listed' },
    );

    // Both sent: the customer, both markers and the list are there (and the parked notification,
    // if order.confirmed came first, until it is cleared).
    const keys = await keysOf(orderId);
    const names = keys.map((k) => k.replace(/^[^:]+:/, '').replace(orderId, '<orderId>'));
    expect(names).toEqual(
      expect.arrayContaining([
        'customer:<orderId>',
        'orders:<orderId>',
        'sent:<orderId>:order-confirmed',
        'sent:<orderId>:order-received',
      ]),
    );
    const ttls = Object.fromEntries(await Promise.all(keys.map(async (k) => [k, await redis.pttl(k)] as const)));
    const forever = keys
      .filter((k) => ttls[k]! < KAFKA_DEFAULT_KEEP_MS && ttls[k] !== -2) // -2: gone since the scan
      .map((k) => `${k.replace(/^[^:]+:/, '').replace(orderId, '<orderId>')} pttl=${ttls[k]}`);

    expect(forever).toEqual([]);
  });
});
