import type { Redis } from 'ioredis';
import { redisNow } from '@checkout/chassis';
import type { OpenOrders, OrderStatus } from '@checkout/contracts';
import type { OrderKeys } from './order-keys';

/**
 * Orders accepted at least `olderThanMs` ago that have not ended, oldest first, with their status
 * and how often they were re-announced: an order that stops moving (an event lost with a broker's
 * data, a dead-lettered one) shows here. `total` counts every open order, `ageMs` of the oldest.
 */
export async function openOrders(
  redis: Redis,
  keys: OrderKeys,
  olderThanMs: number,
  limit: number,
): Promise<OpenOrders> {
  const now = await redisNow(redis);
  const [ids, summary] = await Promise.all([
    redis.zrangebyscore(keys.open, '-inf', now - olderThanMs, 'WITHSCORES', 'LIMIT', 0, limit),
    openSummary(redis, keys, now),
  ]);
  const pairs: [string, number][] = [];
  for (let i = 0; i < ids.length; i += 2) pairs.push([ids[i]!, Number(ids[i + 1])]);
  const items = await Promise.all(
    pairs.map(async ([orderId, acceptedAt]): Promise<OpenOrders['items'][number]> => {
      const [status, reannounced] = await redis.hmget(keys.order(orderId), 'status', 'reannounced');
      return {
        orderId,
        acceptedAt: new Date(acceptedAt).toISOString(),
        ageMs: now - acceptedAt,
        status: (status as OrderStatus | null) ?? 'UNKNOWN',
        reannounced: Number(reannounced ?? 0),
      };
    }),
  );
  return { ...summary, items };
}

/** How many orders are open, and how long ago the oldest was accepted. */
export async function openSummary(redis: Redis, keys: OrderKeys, now?: number): Promise<Omit<OpenOrders, 'items'>> {
  const [at, total, oldest] = await Promise.all([
    now ?? redisNow(redis),
    redis.zcard(keys.open),
    redis.zrange(keys.open, 0, 0, 'WITHSCORES'),
  ]);
  return { total, oldestAgeMs: oldest.length ? Math.max(0, at - Number(oldest[1])) : 0 };
}
