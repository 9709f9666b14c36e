import { randomUUID } from 'node:crypto';
import { buildOrderCreated } from '@checkout/contracts';
import { testPublisher, waitFor } from '../../../test/support';
import { EventConsumer, Publisher, createKafka, createLogger, createMetrics, type HandlerMap } from '../src';

/**
 * ARCHITECTURE.md, "Every service": every log line carries the correlation id. The line that says an
 * event was given up on ("message dead-lettered") named topic, partition and offset only: an
 * operator following an order by its correlation id saw the retries and then nothing.
 */
describe('EventConsumer — the dead-letter log line of a decoded event', () => {
  const service = `dlq-log-${randomUUID().slice(0, 8)}`;
  const silent = createLogger('test', 'silent');
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger(service, 'info', { write: (line: string) => void lines.push(JSON.parse(line)) });
  const kafka = createKafka({
    brokers: (process.env.TEST_KAFKA_BROKERS ?? '').split(','),
    clientId: service,
    logger: silent,
  });
  const metrics = createMetrics(service);
  const publisher = new Publisher(kafka, metrics);
  const poisonOrder = `ord_${randomUUID()}`;
  let consumer: EventConsumer;
  let pub: Awaited<ReturnType<typeof testPublisher>>;

  beforeAll(async () => {
    await publisher.connect();
    const handlers: HandlerMap = {
      'order.created': async (event) => {
        if (event.data.orderId === poisonOrder) throw new Error(`handler bug for ${poisonOrder}`);
      },
    };
    consumer = new EventConsumer({
      kafka,
      service,
      groupId: service,
      handlers,
      publisher,
      logger,
      metrics,
      maxWaitTimeInMs: 10,
      sessionTimeout: 6000,
      maxAttempts: 2,
    });
    await consumer.start();
    await waitFor(() => consumer.ready, { what: 'consumer to join' });
    pub = await testPublisher();
  });

  afterAll(async () => {
    await consumer?.stop();
    await pub?.stop();
    await publisher.disconnect();
  });

  it('when a handler keeps failing, then "message dead-lettered" names the event\'s correlation id', async () => {
    const correlationId = `corr-${randomUUID()}`;
    await pub.publish('order.created', buildOrderCreated({ orderId: poisonOrder }), { correlationId });
    const retried = await waitFor(
      () => lines.find((l) => l.msg === 'handler failed, retrying' && l.correlationId === correlationId),
      { what: 'the retry line' },
    );
    expect(retried).toBeDefined();
    const dead = await waitFor(
      () => lines.find((l) => l.msg === 'message dead-lettered' && String(l.error).includes(poisonOrder)),
      { what: 'the dead-letter line' },
    );
    expect(dead).toMatchObject({ reason: 'HANDLER_FAILED', correlationId, eventId: expect.any(String) });
  });
});
