import { connectRedis, createLogger, createRedis, memoryLimits, redisReady, type Redis } from '../src';
import { useOwnRedis, waitFor } from '../../../test/support';

// A Redis that evicts keys under memory pressure loses orders, reservations and idempotency keys
// without an error: every service says so, at error level, each time it connects.
const own = useOwnRedis('eviction-check');

type Line = { level: string; msg: string; maxmemoryPolicy?: string };
/** Every connection a test opened, closed after it even when it fails (an open one keeps jest from exiting). */
const opened: Redis[] = [];
afterEach(() => opened.splice(0).forEach((r) => r.disconnect()));
const connectLogged = async (url = own.server.url) => {
  const lines: Line[] = [];
  const logger = createLogger('test', 'info', { write: (line: string) => void lines.push(JSON.parse(line)) });
  const redis = createRedis(url, logger, 'eviction-check');
  opened.push(redis);
  await connectRedis(redis);
  return { redis, lines, logger, errors: () => lines.filter((l) => l.level === 'error') };
};
const limit = async (policy: string, maxmemory = '100mb') => {
  await own.redis.config('SET', 'maxmemory-policy', policy);
  await own.redis.config('SET', 'maxmemory', maxmemory);
};
/** Every command sent before this one has been answered, the check's INFO included. */
const settled = (redis: Awaited<ReturnType<typeof connectLogged>>['redis']) => redis.info('memory');

describe('the eviction policy of the Redis a service connects to', () => {
  afterEach(() => limit('noeviction', '0'));

  it('when it is noeviction (the default), then nothing is said', async () => {
    await limit('noeviction');
    const { redis, errors } = await connectLogged();
    expect(await memoryLimits(redis)).toEqual({ maxmemory: 100 * 1024 * 1024, policy: 'noeviction' });
    await settled(redis);
    expect(errors()).toEqual([]);
  });

  it('when an evicting policy has no memory limit to act on, then nothing is said', async () => {
    await limit('allkeys-lru', '0');
    const { redis, errors } = await connectLogged();
    await settled(redis);
    expect(errors()).toEqual([]);
  });

  it.each(['allkeys-lru', 'volatile-lru'])(
    'when it is %s under a memory limit, then the service logs an error naming the policy and the fix',
    async (policy) => {
      await limit(policy);
      // Closed by the afterEach: a second disconnect() of a closed client arms ioredis' 2 s timer.
      const { errors } = await connectLogged();
      const said = await waitFor(() => errors()[0], { what: 'the error line' });
      expect(said).toMatchObject({ maxmemoryPolicy: policy });
      expect(said.msg).toContain('set maxmemory-policy noeviction');
    },
  );

  it('when the server starts evicting after the first connect, then the next connect says so', async () => {
    await limit('noeviction');
    const { redis, errors } = await connectLogged();
    await settled(redis);
    expect(errors()).toEqual([]);
    await limit('allkeys-lru');
    redis.disconnect(true); // reconnects, as after a server restart
    const said = await waitFor(() => errors()[0], { what: 'the error line after the reconnect' });
    expect(said).toMatchObject({ maxmemoryPolicy: 'allkeys-lru' });
  });
});

describe('readiness when the server is full', () => {
  afterEach(() => limit('noeviction', '0'));

  it('when it reached its memory limit under noeviction, then it refuses writes and the service is not ready, said once; with room again, ready', async () => {
    const { redis, lines, logger } = await connectLogged();
    const ready = redisReady(redis, logger);
    expect(await ready()).toBe(true);
    await limit('noeviction', '1'); // one byte: whatever the server holds is over it
    const refused = await redis.set('eviction-check:probe', 'v').catch((e: unknown) => e);
    expect(String(refused)).toMatch(/^ReplyError: OOM/);
    expect(await ready()).toBe(false);
    expect(await ready()).toBe(false);
    expect(lines.filter((l) => l.msg.startsWith('redis is full'))).toHaveLength(1);
    await limit('noeviction', '0');
    expect(await ready()).toBe(true);
    expect(lines.filter((l) => l.msg === 'redis has room to write again')).toHaveLength(1);
  });

  it('when it is within a few KB of its limit, where an order-sized write is refused though INFO shows room, then it is not ready', async () => {
    const { redis } = await connectLogged();
    const ready = redisReady(redis);
    const info = await redis.info('memory');
    const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)![1]);
    await limit('noeviction', String(field('used_memory') - field('mem_not_counted_for_evict') + 2048));
    const refused = await redis.set('eviction-check:order', 'x'.repeat(8192)).catch((e: unknown) => e);
    expect(String(refused)).toMatch(/^ReplyError: OOM/);
    expect(await ready()).toBe(false);
  });

  it('when it was full and has only a little room again (above 98% of the limit), then it stays not ready until it has more', async () => {
    const { redis } = await connectLogged();
    const ready = redisReady(redis);
    await limit('noeviction', '1');
    expect(await ready()).toBe(false);
    const info = await redis.info('memory');
    const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)![1]);
    const used = field('used_memory') - field('mem_not_counted_for_evict');
    await limit('noeviction', String(Math.ceil(used / 0.99))); // writes go through again, at ~99%
    expect(await ready()).toBe(false);
    await limit('noeviction', String(used * 2));
    expect(await ready()).toBe(true);
  });

  it('when the service user may not run INFO (-@dangerous), then readiness falls back to PING and says once that fullness goes unseen', async () => {
    await own.redis.acl('SETUSER', 'no-info', 'on', '>secret', '~*', '&*', '+@all', '-@dangerous');
    const url = new URL(own.server.url);
    url.username = 'no-info';
    url.password = 'secret';
    // ioredis says on the console that it skips its own ready check (INFO denied): expected here.
    const consoleWarn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const { redis, lines, logger } = await connectLogged(url.toString()).finally(() => consoleWarn.mockRestore());
    const ready = redisReady(redis, logger);
    expect(await ready()).toBe(true);
    expect(await ready()).toBe(true);
    expect(lines.filter((l) => l.msg.startsWith('redis denies INFO'))).toHaveLength(1);
  });

  it('when an evicting policy is at its limit, then it makes room rather than refusing: ready', async () => {
    const { redis } = await connectLogged();
    await limit('allkeys-lru', '1');
    expect(await redisReady(redis)()).toBe(true);
  });
});
