import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { testRedisUrl } from '../../../test/support/env';
import { createLogger, createRedis, connectRedis, isTransientError, redisReady } from '../src';

/** A reply error as ioredis raises it when Redis refuses a command. */
const replyError = (message: string): Error => Object.assign(new Error(message), { name: 'ReplyError' });

describe('isTransientError', () => {
  it.each(['READONLY', 'OOM', 'MISCONF', 'BUSY', 'MASTERDOWN', 'TRYAGAIN', 'LOADING', 'CLUSTERDOWN'])(
    'when Redis refuses with %s for now, then the error is transient (retried, not dead-lettered)',
    (prefix) => {
      expect(isTransientError(replyError(`${prefix} something the server says`))).toBe(true);
    },
  );

  it('when Redis refuses for good (a script error, a wrong type), then it is not', () => {
    expect(isTransientError(replyError('ERR Error running script: user_script:3: bad'))).toBe(false);
    expect(isTransientError(replyError('WRONGTYPE Operation against a key holding the wrong kind of value'))).toBe(
      false,
    );
  });
});

describe('logger and Redis errors', () => {
  let redis: Redis;
  beforeAll(async () => {
    redis = createRedis(testRedisUrl(), createLogger('errors-test', 'silent'));
    await connectRedis(redis);
  });
  afterAll(() => redis.quit());

  it('when a failed Redis command is logged, then its name is there and its arguments are not', async () => {
    const lines: string[] = [];
    const logger = createLogger(
      'errors-test',
      'info',
      new Writable({
        write(chunk, _enc, cb) {
          lines.push(chunk.toString());
          cb();
        },
      }) as never,
    );
    // A real failure: a list command on a hash, whose arguments carry a token.
    const key = `errors-test:${process.pid}`;
    await redis.hset(key, 'token', 'tok_secret_123');
    const err = await redis.lpush(key, 'tok_secret_123').catch((e: unknown) => e);
    await redis.del(key);
    logger.error({ err }, 'write failed');
    const out = lines.join('');
    expect(out).toContain('lpush');
    expect(out).toContain('WRONGTYPE');
    expect(out).not.toContain('tok_secret_123');
  });
});

describe('a Redis server that stops answering but keeps its connections open', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startRedis } = require('../../../scripts/lib/infra') as {
    startRedis(o: {
      log: () => void;
    }): Promise<{ url: string; freeze(): void; thaw(): void; stop(): Promise<void>; cleanup(): void }>;
  };
  let server: Awaited<ReturnType<typeof startRedis>>;
  let redis: Redis;
  beforeAll(async () => {
    server = await startRedis({ log: () => undefined });
    redis = createRedis(server.url, createLogger('stall-test', 'silent'), 'stall-test', { commandTimeout: 300 });
    await connectRedis(redis);
  });
  afterAll(async () => {
    server.thaw();
    await redis.quit();
    await server.stop();
    server.cleanup();
  });

  it('then a command fails as transient instead of waiting for good, readiness is down, and both recover when it answers again', async () => {
    const ready = redisReady(redis);
    expect(await ready()).toBe(true);
    server.freeze();
    try {
      const err = await redis.get('stall-test:key').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toBe('Command timed out');
      expect(isTransientError(err)).toBe(true);
      expect(await ready().catch(() => false)).toBe(false);
      // The connection was never closed: only the answers stopped.
      expect(redis.status).toBe('ready');
    } finally {
      server.thaw();
    }
    // A loaded machine may take longer than the 300 ms timeout to run the thawed server: ask again.
    for (let i = 0; !(await ready().catch(() => false)); i++) {
      if (i === 50) throw new Error('redis still not ready 50 PINGs after SIGCONT');
    }
    expect(await redis.set('stall-test:key', 'v')).toBe('OK');
  });
});
