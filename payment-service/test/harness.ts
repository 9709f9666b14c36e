import { randomUUID } from 'node:crypto';
import {
  EventConsumer,
  Health,
  Outbox,
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
import { createGatewayClient } from '../src/clients/gateway-client';
import { createHandlers } from '../src/handlers';
import { RecoverySweeper } from '../src/jobs/recovery-sweeper';
import { PaymentStore } from '../src/store/payment-store';
import { PaymentAuthorizer } from '../src/usecases/authorize-payment';

/** Records which event ids the handlers finished, so a test can wait for a redelivery to be handled. */
function spyOn(handlers: HandlerMap, handled: string[]): HandlerMap {
  const spied: Record<string, EventHandler> = {};
  for (const [type, handler] of Object.entries(handlers) as [string, EventHandler][]) {
    spied[type] = async (event, ctx) => {
      await handler(event, ctx);
      handled.push(event.id);
    };
  }
  return spied as HandlerMap;
}

/** payment-service wired as main.ts does, on the test run's real Redis and Kafka, under its own prefix and group. */
export async function startPaymentService(gatewayUrl: string) {
  const prefix = `payment-test-${randomUUID()}`;
  const logger = createLogger('payment-test', 'silent');
  const metrics = createMetrics('payment-test');
  const redis = createRedis(process.env.TEST_REDIS_URL!, logger);
  await connectRedis(redis);
  const kafka = createKafka({ brokers: process.env.TEST_KAFKA_BROKERS!.split(','), clientId: prefix, logger });
  const publisher = new Publisher(kafka, metrics);
  await publisher.connect();
  const outbox = new Outbox({ redis, prefix, publisher, logger, pollMs: 100 });
  outbox.start();
  const store = new PaymentStore(redis, outbox.stream, prefix);
  const gateway = createGatewayClient({
    baseURL: gatewayUrl,
    maxRetries: 2,
    attemptTimeoutMs: 1000,
    backoffBaseMs: 10,
  });
  const authorizer = new PaymentAuthorizer({ store, gateway, outbox, logger, leaseMs: 60_000 });
  const sweeper = new RecoverySweeper(store, authorizer, logger, 100);
  sweeper.start();
  const handled: string[] = [];
  const consumer = new EventConsumer({
    kafka,
    service: 'payment-service',
    groupId: prefix,
    handlers: spyOn(createHandlers(store, authorizer), handled),
    publisher,
    logger,
    metrics,
    maxWaitTimeInMs: 10,
    sessionTimeout: 6000,
    partitionsConsumedConcurrently: 4,
  });
  await consumer.start();
  await waitFor(() => consumer.ready, { what: 'payment consumer to join' });
  return {
    app: createApp({ logger, health: new Health(), metrics, store }),
    store,
    redis,
    prefix,
    handled,
    async stop() {
      await consumer.stop();
      await sweeper.stop();
      await authorizer.drain();
      await outbox.stop();
      await publisher.disconnect();
      await redis.quit();
    },
  };
}
