import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import {
  EventConsumer,
  Health,
  Outbox,
  Publisher,
  createKafka,
  createLogger,
  createMetrics,
  type HandlerMap,
} from '@checkout/chassis';
import { createApp, type AppDeps } from '../src/app';
import { createValidationClient, type ValidationClient } from '../src/clients/validation-client';
import { OrderChanges } from '../src/domain/order-changes';
import { createHandlers } from '../src/handlers';
import { IdempotencyStore } from '../src/store/idempotency-store';
import { OrderStore } from '../src/store/order-store';
import { waitFor } from '../../test/support';
import { startFakeValidation } from './fake-validation';

/**
 * checkout-service wired as main.ts wires it, against the real Redis and Kafka broker of the test
 * run, with a prefix of its own; only validation-service is a stand-in (a real HTTP server).
 */
export interface HarnessOptions {
  consume?: boolean;
  /** Generous unless a test is about the cap: most tests place many orders for one customer. */
  maxUnpaidOrders?: number;
  /** Unlimited unless a test is about the rate limiter. */
  rateLimitPerMinute?: number;
  trustProxy?: boolean;
}

export async function startHarness({
  consume = false,
  maxUnpaidOrders = 1_000_000,
  rateLimitPerMinute,
  trustProxy = false,
}: HarnessOptions = {}) {
  const prefix = `checkout-test-${randomUUID()}`;
  const logger = createLogger('checkout-test', 'silent');
  const metrics = createMetrics('checkout-test');
  const redis = new Redis(process.env.TEST_REDIS_URL!);
  const kafka = createKafka({ brokers: process.env.TEST_KAFKA_BROKERS!.split(','), clientId: prefix, logger });
  const publisher = new Publisher(kafka);
  await publisher.connect();
  const outbox = new Outbox({ redis, prefix, publisher, logger, pollMs: 100 });
  outbox.start();
  const orders = new OrderStore(redis, outbox, prefix);
  const changes = new OrderChanges();
  const fake = await startFakeValidation();
  const deps: AppDeps = {
    logger,
    metrics,
    health: new Health(),
    validation: createValidationClient(fake.url, 2000),
    orders,
    idempotency: new IdempotencyStore(redis, { prefix }),
    changes,
    statusPollMs: 100,
    maxUnpaidOrders,
    trustProxy,
    ...(rateLimitPerMinute ? { rateLimit: { redis, perMinute: rateLimitPerMinute, prefix } } : {}),
  };
  const app = createApp(deps);

  // Records which events the consumer finished handling, so tests wait for that instead of sleeping.
  const handled: string[] = [];
  let consumer: EventConsumer | undefined;
  if (consume) {
    const handlers = createHandlers({ orders, changes, metrics }) as Record<
      string,
      (e: never, c: never) => Promise<void>
    >;
    const observed = Object.fromEntries(
      Object.entries(handlers).map(([type, h]) => [
        type,
        async (e: { id: string }, c: unknown) => {
          await h(e as never, c as never);
          handled.push(e.id);
        },
      ]),
    ) as HandlerMap;
    consumer = new EventConsumer({
      kafka,
      service: 'checkout-service',
      groupId: `checkout-service-test-${randomUUID()}`,
      handlers: observed,
      publisher,
      logger,
      metrics,
      maxWaitTimeInMs: 10,
      sessionTimeout: 6000,
    });
    await consumer.start();
    await waitFor(() => consumer?.ready, { what: 'checkout consumer to join' });
  }

  return {
    prefix,
    redis,
    outbox,
    orders,
    changes,
    deps,
    app,
    fake,
    handled,
    appWith: (over: Partial<AppDeps>) => createApp({ ...deps, ...over }),
    validationAt: (url: string, timeoutMs: number): ValidationClient => createValidationClient(url, timeoutMs),
    /** Everything written to the outbox so far has been acknowledged by Kafka. */
    outboxDrained: () => waitFor(async () => (await redis.xlen(outbox.stream)) === 0, { what: 'outbox to drain' }),
    async stop() {
      await consumer?.stop();
      await outbox.stop();
      await publisher.disconnect();
      await fake.stop();
      await redis.quit();
    },
  };
}

export type Harness = Awaited<ReturnType<typeof startHarness>>;
