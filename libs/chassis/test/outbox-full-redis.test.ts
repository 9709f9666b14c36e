import { randomUUID } from 'node:crypto';
import { buildOrderCreated, createEvent } from '@checkout/contracts';
import { createKafka, createLogger, createMetrics, Outbox, Publisher } from '../src';
import { testBrokers, useOwnRedis } from '../../../test/support';

// A Redis filled up (noeviction) by the events the outbox keeps until Kafka takes them: Kafka was
// away while orders kept coming. Once Kafka is back, the relay must drain them, since publishing
// them is what frees the memory; its claim takes a lock, a write that a full Redis refuses.
const own = useOwnRedis('outbox-full');
const logger = createLogger('test', 'silent');

describe('the outbox relay on a full Redis', () => {
  const service = `outbox-full-${randomUUID().slice(0, 8)}`;
  const publisher = new Publisher(
    createKafka({ brokers: testBrokers(), clientId: service, logger }),
    createMetrics(service),
  );

  beforeAll(() => publisher.connect());
  afterAll(() => publisher.disconnect());
  afterEach(() => own.redis.config('SET', 'maxmemory', '0'));

  it('when Redis is full and refuses every write, then the relay still publishes what waits in the stream and deletes it', async () => {
    const outbox = new Outbox({ redis: own.redis, prefix: `outbox-full-${randomUUID()}`, publisher, logger });
    const events = Array.from({ length: 20 }, () =>
      createEvent('order.created', buildOrderCreated(), { source: '/t', correlationId: 'full' }),
    );
    await outbox.addTo(own.redis.multi(), events).exec();
    await own.redis.config('SET', 'maxmemory', '1');
    await expect(own.redis.set(`${service}:probe`, 'x')).rejects.toThrow(/OOM/);

    expect(await outbox.drain()).toBe(20);
    expect(await own.redis.xlen(outbox.stream)).toBe(0);
  });
});
