import Redis from 'ioredis';
import type { Logger } from 'pino';

export type { Redis };

/**
 * A Redis connection that fails fast while the server is down (no offline queue), so requests
 * answer 503 at once and consumers retry, instead of piling up behind a reconnect. Commands issued
 * in the same tick (a fetched batch's handlers, concurrent requests) go out in one write and come
 * back in one read: each socket write and wakeup costs more here than the command itself.
 */
export function createRedis(url: string, logger: Logger, name = 'main'): Redis {
  const redis = new Redis(url, {
    connectionName: name,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    enableAutoPipelining: true,
    lazyConnect: true,
    retryStrategy: (times) => Math.min(50 * 2 ** times, 1000),
  });
  let warned = false;
  redis.on('error', (err) => {
    if (!warned) logger.warn({ err: err.message }, 'redis connection error');
    warned = true;
  });
  redis.on('ready', () => {
    if (warned) logger.info('redis connection restored');
    warned = false;
  });
  return redis;
}

/** Connects, retrying until the server answers (start-up waits for Redis rather than crashing). */
export async function connectRedis(redis: Redis): Promise<void> {
  if (redis.status === 'ready') return;
  if (redis.status === 'wait') {
    await redis.connect().catch(() => undefined);
  }
  await new Promise<void>((resolve) => {
    if (redis.status === 'ready') return resolve();
    redis.once('ready', () => resolve());
  });
}

export const redisReady = (redis: Redis) => () => redis.status === 'ready';
