import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { waitFor } from '../../../test/support';
import {
  EventConsumer,
  Health,
  KAFKA_GATE,
  Publisher,
  createHttpApp,
  createKafka,
  createLogger,
  createMetrics,
  type HandlerMap,
} from '../src';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- plain JS scripts
const infra = require('../../../scripts/lib/infra') as {
  startKafkaMock(o: { log?: (s: string) => void }): Promise<{
    brokers: string;
    freeze(): void;
    thaw(): void;
    kill(): Promise<void>;
    restart(): Promise<void>;
    stop(): Promise<void>;
  }>;
};

/**
 * ARCHITECTURE.md, "Every service": GET /health/ready is 503 until the service's Kafka producer and
 * consumers are connected. After that a broker in trouble shows in GET /health's checks, but does
 * not make the service unready: its HTTP answers need only Redis (checkout accepts orders into its
 * outbox), and under Kubernetes an unready pod leaves its Service, so a broker outage would become
 * a checkout outage. kafkajs reports a broker that stopped answering only when it gives up (the
 * consumer's CRASH, after its retries), and a producer's disconnect only when we disconnect: the
 * checks said "up" for as long as a hung broker was frozen. Wired as Runtime wires a service
 * (runtime.ts, runtime-connections.ts). The broker is the project's own (the kcat mock behind the
 * Kafka front), which can be frozen (SIGSTOP: connections stay open, nothing answers) or killed and
 * restarted.
 */
describe('the Kafka checks follow the broker at runtime; readiness waits for it at start only', () => {
  const service = `kready-${randomUUID().slice(0, 8)}`;
  const silent = createLogger(service, 'silent');
  let broker: Awaited<ReturnType<typeof infra.startKafkaMock>>;
  let publisher: Publisher;
  let consumer: EventConsumer;
  let app: ReturnType<typeof createHttpApp>;

  const ready = async () => (await request(app).get('/health/ready')).status;
  const record = () => ({ topic: `kready-${randomUUID()}`, key: 'k', value: '{}', headers: {} });
  const summary = async () => (await request(app).get('/health')).body as { checks: Record<string, string> };
  const consumerUpAgain = () =>
    waitFor(async () => (await summary()).checks['kafka-consumer'] === 'up', {
      timeoutMs: 120_000,
      what: 'the consumer check up again',
    });

  beforeAll(async () => {
    broker = await infra.startKafkaMock({ log: () => undefined });
    const metrics = createMetrics(service);
    const kafka = createKafka({ brokers: broker.brokers.split(','), clientId: service, logger: silent });
    publisher = new Publisher(kafka, metrics);
    const handlers: HandlerMap = { 'stock.updated': async () => undefined };
    consumer = new EventConsumer({
      kafka,
      service,
      groupId: service,
      handlers,
      publisher,
      logger: silent,
      metrics,
      maxWaitTimeInMs: 500,
      sessionTimeout: 6000,
    });
    // As Runtime wires a service with Kafka (runtime.ts constructor and start()).
    const health = new Health()
      .register('kafka-producer', () => publisher.ready, KAFKA_GATE)
      .register('kafka-consumer', () => consumer.ready, KAFKA_GATE);
    app = createHttpApp({ logger: silent, health, metrics }, () => undefined);
    expect(await ready()).toBe(503);
    await publisher.connect();
    await consumer.start();
    await waitFor(async () => (await ready()) === 200, { what: 'ready at start' });
  }, 60_000);

  afterAll(async () => {
    broker?.thaw();
    await consumer?.stop().catch(() => undefined);
    await publisher?.disconnect().catch(() => undefined);
    await broker?.stop();
  }, 60_000);

  it('when the broker stops answering (hung host), then the consumer check, and the producer check while a send waits, say down while readiness stays 200, and up once it answers again', async () => {
    broker.freeze();
    let sent: Promise<unknown> = Promise.resolve();
    try {
      // Within two session timeouts (6 s here) of the last answer.
      await waitFor(async () => (await summary()).checks['kafka-consumer'] === 'down', {
        timeoutMs: 20_000,
        what: 'the consumer check down on a hung broker',
      });
      // A send the broker does not answer: kafkajs would fail it only after its timeout and retries.
      sent = publisher.send([record()]).catch(() => undefined);
      await waitFor(async () => (await summary()).checks['kafka-producer'] === 'down', {
        timeoutMs: 20_000,
        what: 'the producer check down while a send waits',
      });
      expect(await ready()).toBe(200);
    } finally {
      broker.thaw();
    }
    await sent;
    await consumerUpAgain();
  }, 180_000);

  it('when the broker is gone, then a send fails and the producer check says down until a send goes through', async () => {
    await broker.kill();
    try {
      await expect(publisher.send([record()])).rejects.toThrow();
      expect((await summary()).checks['kafka-producer']).toBe('down');
      expect(await ready()).toBe(200);
    } finally {
      await broker.restart();
    }
    await waitFor(
      () =>
        publisher.send([record()]).then(
          () => true,
          () => false,
        ),
      { timeoutMs: 60_000, what: 'a send' },
    );
    expect((await summary()).checks['kafka-producer']).toBe('up');
    await consumerUpAgain();
  }, 180_000);
});
