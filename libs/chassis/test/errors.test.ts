import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { createLogger, createRedis, connectRedis, isTransientError } from '../src';

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
    redis = createRedis(process.env.TEST_REDIS_URL ?? '', createLogger('errors-test', 'silent'));
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
