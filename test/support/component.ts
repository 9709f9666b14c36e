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
  type Logger,
} from '@checkout/chassis';
import type { CloudEvent } from '@checkout/contracts';
import { testBrokers, testRedisUrl } from './env';
import { waitFor } from './wait';

/**
 * Wraps handlers so a test can wait until given event ids were handled, instead of sleeping; an
 * event `skip` picks is acknowledged unhandled (and not listed).
 */
export function spyHandlers(
  handlers: HandlerMap,
  handled: string[],
  skip: (event: CloudEvent) => boolean = () => false,
): HandlerMap {
  const spied: Record<string, EventHandler> = {};
  for (const [type, handler] of Object.entries(handlers) as [string, EventHandler][]) {
    spied[type] = async (event, ctx) => {
      if (skip(event)) return;
      await handler(event, ctx);
      handled.push(event.id);
    };
  }
  return spied as HandlerMap;
}

/**
 * The chassis parts a service is built from, on the test run's real Redis and Kafka-protocol
 * broker, under a key prefix and consumer group of the test's own: component tests wire a service
 * from these the way its main.ts wires it from the Runtime.
 */
export async function startRig(service: string, { pollMs = 100 } = {}) {
  const prefix = `${service}-test-${randomUUID()}`;
  const logger = createLogger(`${service}-test`, 'silent');
  const metrics = createMetrics(`${service}-test`);
  const redis = createRedis(testRedisUrl(), logger);
  await connectRedis(redis);
  const kafka = createKafka({ brokers: testBrokers(), clientId: prefix, logger });
  const publisher = new Publisher(kafka, metrics);
  await publisher.connect();
  const outbox = new Outbox({ redis, prefix, publisher, logger, metrics, pollMs });
  outbox.start();
  const consumers: EventConsumer[] = [];

  /**
   * Runs handlers in a fresh consumer group, as the service would; resolves once the group is
   * joined. The broker is shared by every test file running at the time: `skip` leaves out events
   * of theirs this one must not act on.
   */
  const consume = async (
    handlers: HandlerMap,
    {
      concurrency = 4,
      log = logger,
      skip,
    }: { concurrency?: number; log?: Logger; skip?: (e: CloudEvent) => boolean } = {},
  ) => {
    const handled: string[] = [];
    const consumer = new EventConsumer({
      kafka,
      service,
      groupId: `${prefix}-${consumers.length}`,
      handlers: spyHandlers(handlers, handled, skip),
      publisher,
      logger: log,
      metrics,
      maxWaitTimeInMs: 10,
      sessionTimeout: 6000,
      partitionsConsumedConcurrently: concurrency,
    });
    consumers.push(consumer);
    await consumer.start();
    await waitFor(() => consumer.ready, { what: `${service} test consumer to join` });
    return {
      consumer,
      handled,
      /** Waits until every given event id was handled at least `times` times. */
      waitHandled: (ids: string[], times = 1) =>
        waitFor(() => ids.every((id) => handled.filter((h) => h === id).length >= times), {
          what: 'events to be handled',
        }),
      stop: () => consumer.stop(),
    };
  };

  return {
    prefix,
    logger,
    metrics,
    health: new Health(),
    redis,
    kafka,
    publisher,
    outbox,
    consume,
    async stop() {
      for (const c of consumers) await c.stop().catch(() => undefined);
      await outbox.stop();
      await publisher.disconnect();
      await redis.quit();
    },
  };
}

export type Rig = Awaited<ReturnType<typeof startRig>>;
export type TestConsumer = Awaited<ReturnType<Rig['consume']>>;
