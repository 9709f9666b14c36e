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
import { createHandlers } from '../src/handlers';
import { AuditStore } from '../src/store/audit-store';

const logger = createLogger('audit-test', 'silent');

/** audit-service's app and store on the real Redis, under a prefix of its own. */
export async function startAuditApp() {
  const redis = createRedis(process.env.TEST_REDIS_URL!, logger);
  await connectRedis(redis);
  const store = new AuditStore(redis, `audit-test-${randomUUID()}`);
  const app = createApp({ logger, health: new Health(), metrics: createMetrics('audit-test'), store });
  return { app, store, handlers: createHandlers(store), stop: () => redis.quit() };
}

/** Runs handlers in a fresh consumer group on the real broker; `waitHandled` waits for given event ids. */
export async function startConsumer(handlerMap: HandlerMap) {
  const groupId = `audit-test-${randomUUID()}`;
  const metrics = createMetrics('audit-test');
  const kafka = createKafka({ brokers: process.env.TEST_KAFKA_BROKERS!.split(','), clientId: groupId, logger });
  const publisher = new Publisher(kafka, metrics);
  await publisher.connect();
  const handled: string[] = [];
  const handlers: Record<string, EventHandler> = {};
  for (const [type, handler] of Object.entries(handlerMap) as [string, EventHandler][]) {
    handlers[type] = async (event, ctx) => {
      await handler(event, ctx);
      handled.push(event.id);
    };
  }
  const consumer = new EventConsumer({
    kafka,
    service: 'audit-service',
    groupId,
    handlers: handlers as HandlerMap,
    publisher,
    logger,
    metrics,
    maxWaitTimeInMs: 10,
    sessionTimeout: 6000,
    partitionsConsumedConcurrently: 4,
  });
  await consumer.start();
  await waitFor(() => consumer.ready, { what: 'audit consumer to join' });
  return {
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
