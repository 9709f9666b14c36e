import net, { type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { testRedisUrl } from '../../../test/support/env';
import { createLogger, createRedis, connectRedis, isTransientError, mayHaveRunUnanswered, redisReady } from '../src';

/** A reply error as ioredis raises it when Redis refuses a command. */
const replyError = (message: string): Error => Object.assign(new Error(message), { name: 'ReplyError' });

describe('isTransientError', () => {
  it.each(['READONLY', 'OOM', 'MISCONF', 'BUSY', 'MASTERDOWN', 'TRYAGAIN', 'LOADING', 'CLUSTERDOWN'])(
    'when Redis refuses with %s for now, then the error is transient (retried, not dead-lettered)',
    (prefix) => {
      expect(isTransientError(replyError(`${prefix} something the server says`))).toBe(true);
    },
  );

  it('when the connection closes under a pipeline it had written, then the commands left unanswered are transient (503, retried) and may have run', async () => {
    // A server that answers the client's hello (CLIENT SETINFO), then the first GET it reads, and
    // resets: ioredis aborts the rest of an explicit pipeline (GET /inventory reads one) with AbortError.
    const server = net.createServer((socket) =>
      socket.on('data', (chunk) => {
        const text = chunk.toString().toLowerCase();
        for (const _ of text.matchAll(/\r\nsetinfo\r\n/g)) socket.write('+OK\r\n');
        if (!text.includes('\r\nget\r\n')) return;
        socket.write('$-1\r\n');
        socket.destroy();
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const redis = new Redis({
      port,
      host: '127.0.0.1',
      lazyConnect: true,
      enableReadyCheck: false,
      retryStrategy: (times) => (times > 1 ? null : 10),
    });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      const results = (await redis.pipeline().get('a').get('b').get('c').exec()) ?? [];
      const [first, second] = results;
      expect(first).toEqual([null, null]);
      const aborted = second![0] as Error;
      expect(aborted.name).toBe('AbortError');
      expect([isTransientError(aborted), mayHaveRunUnanswered(aborted)]).toEqual([true, true]);
    } finally {
      redis.disconnect();
      await new Promise((resolve) => server.close(resolve));
    }
  });

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
