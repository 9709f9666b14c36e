import { connectRedis, createLogger, createRedis, maxmemoryPolicy } from '../src';
import { useOwnRedis, waitFor } from '../../../test/support';

// A Redis that evicts keys under memory pressure loses orders, reservations and idempotency keys
// without an error: every service says so, at error level, each time it connects.
const own = useOwnRedis('eviction-check');

const connectLogged = async () => {
  const lines: { level: string; msg: string; maxmemoryPolicy?: string }[] = [];
  const logger = createLogger('test', 'info', { write: (line: string) => void lines.push(JSON.parse(line)) });
  const redis = createRedis(own.server.url, logger, 'eviction-check');
  await connectRedis(redis);
  return { redis, lines };
};

describe('the eviction policy of the Redis a service connects to', () => {
  afterEach(() => own.redis.config('SET', 'maxmemory-policy', 'noeviction'));

  it('when it is noeviction (the default), then nothing is said', async () => {
    const { redis, lines } = await connectLogged();
    expect(await maxmemoryPolicy(redis)).toBe('noeviction');
    // The check runs once the connection is ready; a PING after it has answered.
    await redis.ping();
    await redis.info('memory');
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
    redis.disconnect();
  });

  it.each(['allkeys-lru', 'volatile-lru'])(
    'when it is %s, then the service logs an error naming the policy and the fix',
    async (policy) => {
      await own.redis.config('SET', 'maxmemory-policy', policy);
      const { redis, lines } = await connectLogged();
      const said = await waitFor(() => lines.find((l) => l.level === 'error'), { what: 'the error line' });
      expect(said).toMatchObject({ maxmemoryPolicy: policy });
      expect(said.msg).toContain('set maxmemory-policy noeviction');
      redis.disconnect();
    },
  );
});
