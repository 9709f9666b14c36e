import { randomUUID } from 'node:crypto';
import type { CloudEvent } from '@checkout/contracts';
import { testBrokers, testRedisUrl, waitFor } from '../../../test/support';
import {
  EventConsumer,
  Publisher,
  createKafka,
  createLogger,
  createMetrics,
  createRedis,
  connectRedis,
  type HandlerMap,
} from '../src';

/**
 * What the outbox and consumer tests share, each file its own: a Kafka client and publisher, a Redis
 * client, and (unless `consumer: false`) one member of a group of its own on order.created. The
 * member (on order.failed too) records what it handled in `seen`, and acts on a cue, `cue(name)` as the order's
 * customer: `fails-until-fixed` (throws until `state.fixed`), `waits-for-the-next` (finishes once a
 * later message of its order was handled), `logs`, `always-fails` (counted in `state.failing`). Each
 * file's group reads order.created from its beginning, so it also gets the other files' orders: it
 * acts only on its own cues, the customer id being its service.
 *
 * Call it inside a describe: it connects (and the member joins) before the file's first test, and
 * disconnects after its last. The files run side by side, so each keeps to its own group and keys.
 */
export function messagingFixture(name: string, { consumer: withConsumer = true } = {}) {
  const service = `chassis-${name}-${randomUUID().slice(0, 8)}`;
  const logger = createLogger('chassis-test', 'silent');
  const kafka = createKafka({ brokers: testBrokers(), clientId: service, logger });
  const metrics = createMetrics(service);
  const publisher = new Publisher(kafka, metrics);
  const redis = createRedis(testRedisUrl(), logger);
  const prefix = `chassis-test-${randomUUID()}`;
  const seen: CloudEvent[] = [];
  /** What the member and its handlers log, one JSON line each. */
  const logged: Record<string, unknown>[] = [];
  /** ctx.deliveryId() of each run of the handler, by event id. */
  const deliveries = new Map<string, string[]>();
  const state = { failing: 0, fixed: false };
  let consumer: EventConsumer | undefined;

  beforeAll(async () => {
    await connectRedis(redis);
    await publisher.connect();
    if (!withConsumer) return;
    const handlers: HandlerMap = {
      'order.created': async (event, ctx) => {
        deliveries.set(event.id, [...(deliveries.get(event.id) ?? []), ctx.deliveryId()]);
        const { id, name } = event.data.customer;
        const cued = id === service ? name : undefined;
        if (cued === 'fails-until-fixed' && !state.fixed) throw new Error('bug, fixed later');
        if (cued === 'waits-for-the-next') {
          // Finishes only once a later message of the same partition was handled.
          const { orderId } = event.data;
          await waitFor(() => seen.find((e) => e.subject === orderId), { what: 'the next message' });
        }
        if (cued === 'logs') ctx.log.info({ step: 'handled' }, 'handler logged');
        if (cued === 'always-fails') {
          state.failing++;
          throw new Error('handler bug');
        }
        seen.push(event);
      },
      // A second topic, so that an event of one type sent on the other's topic has a handler.
      'order.failed': async (event) => void seen.push(event),
    };
    consumer = new EventConsumer({
      kafka,
      service,
      groupId: service,
      handlers,
      publisher,
      logger: createLogger('chassis-test', 'info', { write: (line: string) => void logged.push(JSON.parse(line)) }),
      metrics,
      maxWaitTimeInMs: 10,
      sessionTimeout: 6000,
      messageConcurrency: 4,
    });
    await consumer.start();
    const joining = consumer;
    await waitFor(() => joining.ready, { what: 'consumer to join' });
  });

  afterAll(async () => {
    await consumer?.stop();
    await publisher.disconnect();
    await redis.quit();
  });

  /** A customer whose order this file's member acts on as `name` says. */
  const cue = (name: 'fails-until-fixed' | 'waits-for-the-next' | 'logs' | 'always-fails') => ({
    id: service,
    name,
    email: 'a@b.co',
  });

  return { service, logger, kafka, metrics, publisher, redis, prefix, seen, logged, deliveries, state, cue };
}
