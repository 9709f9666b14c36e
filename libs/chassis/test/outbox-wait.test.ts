import { randomUUID } from 'node:crypto';
import { testRedisUrl } from '../../../test/support';
import { Outbox, connectRedis, createLogger, createRedis, type Publisher } from '../src';

const logger = createLogger('chassis-test', 'silent');
const redis = createRedis(testRedisUrl(), logger);

beforeAll(() => connectRedis(redis));
afterAll(() => redis.quit());

describe('Outbox.oldestWaitMs', () => {
  it('when the oldest entry was written 10 s ago (Kafka not taking what is written), then it says about 10 s; empty, 0', async () => {
    // Never started: nothing is published, so the entries stay as written.
    const outbox = new Outbox({ redis, prefix: `wait-${randomUUID()}`, publisher: {} as Publisher, logger });
    expect(await outbox.oldestWaitMs()).toBe(0);

    await redis.xadd(outbox.stream, `${Date.now() - 10_000}-0`, 'r', '{}');
    await redis.xadd(outbox.stream, '*', 'r', '{}');
    const waited = await outbox.oldestWaitMs();
    await redis.del(outbox.stream);
    expect(waited).toBeGreaterThanOrEqual(9_000);
    expect(waited).toBeLessThan(60_000);
  });
});
