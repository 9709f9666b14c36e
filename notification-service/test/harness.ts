import { randomUUID } from 'node:crypto';
import {
  EventConsumer,
  Health,
  Publisher,
  connectRedis,
  createKafka,
  createLogger,
  createMetrics,
  createRedis,
  type EventHandler,
  type HandlerMap,
} from '@checkout/chassis';
import { waitFor } from '../../test/support';
import { createApp } from '../src/app';
import type { Channel } from '../src/channels';
import { logChannel } from '../src/channels/log-channel';
import { createHandlers } from '../src/handlers';
import { NotificationStore } from '../src/store/notification-store';
import { Notifier } from '../src/usecases/notifier';

export const testLogger = createLogger('notification-test', 'silent');

export async function testRedis() {
  const redis = createRedis(process.env.TEST_REDIS_URL!, testLogger);
  await connectRedis(redis);
  return redis;
}

/** notification-service wired as main.ts does, on the real Redis, under a prefix of its own. */
export async function startNotificationApp(channel: Channel = logChannel(testLogger)) {
  const prefix = `notification-test-${randomUUID()}`;
  const redis = await testRedis();
  const store = new NotificationStore(redis, prefix);
  const notifier = new Notifier(store, channel, testLogger);
  const app = createApp({
    logger: testLogger,
    health: new Health(),
    metrics: createMetrics('notification-test'),
    store,
  });
  return { app, store, notifier, redis };
}

/** Runs the service's handlers in a fresh consumer group on the real broker; `handled` lists finished event ids. */
export async function startConsumer(notifier: Notifier) {
  const groupId = `notification-test-${randomUUID()}`;
  const metrics = createMetrics('notification-test');
  const kafka = createKafka({
    brokers: process.env.TEST_KAFKA_BROKERS!.split(','),
    clientId: groupId,
    logger: testLogger,
  });
  const publisher = new Publisher(kafka, metrics);
  await publisher.connect();
  const handled: string[] = [];
  const handlers: Record<string, EventHandler> = {};
  for (const [type, handler] of Object.entries(createHandlers(notifier)) as [string, EventHandler][]) {
    handlers[type] = async (event, ctx) => {
      await handler(event, ctx);
      handled.push(event.id);
    };
  }
  const consumer = new EventConsumer({
    kafka,
    service: 'notification-service',
    groupId,
    handlers: handlers as HandlerMap,
    publisher,
    logger: testLogger,
    metrics,
    maxWaitTimeInMs: 10,
    sessionTimeout: 6000,
    partitionsConsumedConcurrently: 4,
  });
  await consumer.start();
  await waitFor(() => consumer.ready, { what: 'notification consumer to join' });
  return {
    handled,
    /** Waits until every given event id was handled at least `times` times. */
    waitHandled: (ids: string[], times = 1) =>
      waitFor(() => ids.every((id) => handled.filter((h) => h === id).length >= times), {
        what: 'events to be handled',
      }),
    async stop() {
      await consumer.stop();
      await publisher.disconnect();
    },
  };
}
