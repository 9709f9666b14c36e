import Redis from 'ioredis';
import type { Logger } from 'pino';

export type { Redis };

/** How long a command may go unanswered by default before it fails (REDIS_COMMAND_TIMEOUT_MS). */
export const DEFAULT_REDIS_COMMAND_TIMEOUT_MS = 2000;

/**
 * A Redis connection that fails fast while the server is down (no offline queue), so requests
 * answer 503 at once and consumers retry, instead of piling up behind a reconnect. A server that
 * holds the connection open but stops answering (stopped, swapping, a partition that drops packets
 * without a reset) fails each command after `commandTimeout` ms with "Command timed out" (transient:
 * 503 and retry) instead of leaving requests and handlers waiting for good. Commands issued in the
 * same tick (a fetched batch's handlers, concurrent requests) go out in one write and come back in
 * one read: each socket write and wakeup costs more here than the command itself.
 */
export function createRedis(
  url: string,
  logger: Logger,
  name = 'main',
  { commandTimeout = DEFAULT_REDIS_COMMAND_TIMEOUT_MS }: { commandTimeout?: number } = {},
): Redis {
  const redis = new Redis(url, {
    connectionName: name,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    enableAutoPipelining: true,
    lazyConnect: true,
    commandTimeout,
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
    // On every connect: a server restarted or replaced may come back with another configuration.
    void warnIfEvicting(redis, logger);
  });
  return redis;
}

/**
 * Every key here is a record someone relies on (an order, a reservation, a payment claim, an
 * idempotency key, an outbox entry): a server that evicts keys under memory pressure loses them
 * without an error, where `noeviction` refuses the write (503, retried) and loses nothing. Managed
 * Redis often defaults to `volatile-lru`, which evicts the records that carry a retention first.
 */
async function warnIfEvicting(redis: Redis, logger: Logger): Promise<void> {
  const memory = await memoryLimits(redis).catch(() => undefined);
  // Without a memory limit nothing is evicted, whatever the policy says.
  if (!memory || memory.maxmemory === 0 || memory.policy === 'noeviction') return;
  const policy = memory.policy;
  logger.error(
    { maxmemoryPolicy: policy },
    `redis evicts keys under memory pressure (maxmemory-policy ${policy}): records would vanish without an error; set maxmemory-policy noeviction`,
  );
}

/** The server's memory limit and eviction policy, from INFO (CONFIG is often disabled on managed Redis). */
export async function memoryLimits(redis: Redis): Promise<{ maxmemory: number; policy: string } | undefined> {
  const info = await redis.info('memory');
  const policy = /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
  const maxmemory = Number(/^maxmemory:(\d+)/m.exec(info)?.[1] ?? 0);
  return policy === undefined ? undefined : { maxmemory, policy };
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

/**
 * Readiness: connected, and the server answers a PING (within the command timeout). The connection
 * state alone stays 'ready' while a server that stopped answering holds the socket open.
 */
export const redisReady = (redis: Redis) => async () => redis.status === 'ready' && (await redis.ping()) === 'PONG';
