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
 * 503 and retry) instead of leaving requests and handlers waiting for good.
 *
 * Each command is written as it is issued, not auto-pipelined: ioredis keeps one automatic
 * pipeline in flight per connection, so a checkout's command issued while a consumer batch's
 * pipeline was out waited for that whole answer, and for this process to wake up and read it,
 * before it was even sent (benchmark.md, thirty-first pass: accept and saga tails shorter without
 * it, CPU per order no higher). Commands on one connection still reach Redis, and run, in the order
 * they were issued, which `Outbox.publishing` relies on.
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
    enableAutoPipelining: false,
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
  const policy = infoField(info, 'maxmemory_policy');
  const maxmemory = Number(infoField(info, 'maxmemory') ?? 0);
  return policy === undefined ? undefined : { maxmemory, policy };
}

/** One field of an INFO answer. */
const infoField = (info: string, name: string): string | undefined =>
  new RegExp(`^${name}:(\\S+)`, 'm').exec(info)?.[1];

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

const nextReady = new WeakMap<Redis, Promise<void>>();

/**
 * Whether the connection is (re)established within `ms`. However many callers wait on one client,
 * it gets one 'ready' listener (nine waiting requests printed MaxListenersExceededWarning).
 */
export function readyWithin(redis: Redis, ms: number): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true);
  let ready = nextReady.get(redis);
  if (!ready) {
    ready = new Promise<void>((resolve) =>
      redis.once('ready', () => {
        nextReady.delete(redis);
        resolve();
      }),
    );
    nextReady.set(redis, ready);
  }
  const whenReady = ready;
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    void whenReady.then(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * The server is at its memory limit under noeviction: it answers reads and PINGs, and refuses
 * every write with OOM (`share` of the limit, or less to stay full until there is some room).
 * Counted as Redis counts it, without its replication and AOF buffers. (An evicting policy makes
 * room instead, which the eviction warning above covers.)
 */
function isFull(memoryInfo: string, share: number): { usedMemory: number; maxmemory: number } | undefined {
  const number = (name: string) => Number(infoField(memoryInfo, name) ?? 0);
  const maxmemory = number('maxmemory');
  const usedMemory = number('used_memory') - number('mem_not_counted_for_evict');
  const noeviction = infoField(memoryInfo, 'maxmemory_policy') === 'noeviction';
  return noeviction && maxmemory > 0 && usedMemory > maxmemory * share ? { usedMemory, maxmemory } : undefined;
}

/**
 * Full from this share of the limit: Redis counts the command it is about to run (its bytes in the
 * client's buffer) against the limit, so within a few KB of it an order's write is refused while
 * INFO shows room (a probe saw writes refused and readiness say ready for ~60 s). The last 1% or
 * MB, whichever is less, counts as full.
 */
const fullFrom = (memoryInfo: string): number => {
  const maxmemory = Number(infoField(memoryInfo, 'maxmemory') ?? 0);
  return maxmemory > 0 ? 1 - Math.min(0.01, (1024 * 1024) / maxmemory) : 1;
};

/**
 * Readiness: connected, and the server answers (within the command timeout) with room to write.
 * The connection state alone stays 'ready' while a server that stopped answering holds the socket
 * open; and a server full under noeviction answers while it refuses the writes every request and
 * handler here makes, so it is not ready either (said at warn level when it fills, `fullFrom`). Ready again
 * once below 98% of its limit, not at the first byte under it, or the probes would flap while
 * the writes keep it at the edge. A server whose disk refuses its AOF or snapshot (MISCONF)
 * refuses PING and every write: not ready. A user the ACLs deny INFO (`-@dangerous`) is checked
 * by PING alone, and told once that fullness goes unseen.
 */
export const redisReady = (redis: Redis, logger?: Logger) => {
  let wasFull = false;
  let infoDenied = false;
  return async () => {
    if (redis.status !== 'ready') return false;
    // PING too, alongside INFO: a server that cannot write its AOF or snapshot (its disk full:
    // MISCONF) refuses PING along with every write, while it still answers INFO. Its rejection is
    // the check's answer when awaited below; until then it must not count as unhandled.
    const pinged = redis.ping().then((pong) => pong === 'PONG');
    pinged.catch(() => undefined);
    if (infoDenied) return pinged;
    let info: string;
    try {
      info = await redis.info('memory');
    } catch (err) {
      if (!/^(NOPERM|ERR unknown command)/.test((err as Error).message)) throw err;
      infoDenied = true;
      logger?.warn({ err }, 'redis denies INFO to this user: readiness checks it by PING, and cannot see it full');
      return pinged;
    }
    if (!(await pinged)) return false;
    const full = isFull(info, wasFull ? FULL_UNTIL_BELOW : fullFrom(info));
    if (full && !wasFull)
      logger?.warn(
        full,
        'redis is full (maxmemory reached, noeviction): every write is refused; not ready until it has room',
      );
    if (!full && wasFull) logger?.info('redis has room to write again');
    wasFull = full !== undefined;
    return !full;
  };
};

/** A full server counts as full again until its memory is below this share of its limit. */
const FULL_UNTIL_BELOW = 0.98;
