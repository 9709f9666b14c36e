import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { defineScript, redisNow, type Outbox } from '@checkout/chassis';
import type { OrderKeys } from './order-keys';
import { REANNOUNCE_LUA } from './reannounce-lua';

export interface Reannounced {
  again: { orderId: string; times: number; last: boolean }[];
  failed: number;
}

/** The open orders whose order.created is announced again, and when (REANNOUNCE_LUA). */
export class ReannounceSchedule {
  private readonly reannounceScript;

  /** @param reannounceAfterMs how long after acceptance an open order is first announced again. */
  constructor(
    private readonly redis: Redis,
    private readonly outbox: Pick<Outbox, 'stream' | 'kick'>,
    private readonly keys: OrderKeys,
    private readonly reannounceAfterMs: number,
  ) {
    this.reannounceScript = defineScript<(string | number)[]>(redis, 3, REANNOUNCE_LUA);
  }

  /**
   * Announces order.created again for the open orders whose turn has come (REANNOUNCE_LUA: the
   * wait doubles from `reannounceAfterMs` up to `longestWaitMs`; after `mostTimes` an order is left
   * to an operator), at most `limit` of them, longest due first. Returns those announced now, how
   * often each has been, and whether it was the last time; `failed` counts the scripts that failed.
   */
  async due(longestWaitMs: number, mostTimes: number, limit: number): Promise<Reannounced> {
    const ids = await this.redis.zrangebyscore(
      this.keys.reannounce,
      '-inf',
      await redisNow(this.redis),
      'LIMIT',
      0,
      limit,
    );
    const results = await Promise.allSettled(
      ids.map((id) =>
        this.reannounceScript(
          [this.keys.order(id), this.outbox.stream, this.keys.reannounce],
          id,
          this.reannounceAfterMs,
          longestWaitMs,
          mostTimes,
          randomUUID(),
        ),
      ),
    );
    const again: Reannounced['again'] = [];
    results.forEach((r, i) => {
      if (r.status !== 'fulfilled') return;
      const [times, last] = r.value as [number, number];
      if (times > 0) again.push({ orderId: ids[i]!, times, last: last === 1 });
    });
    if (again.length > 0) this.outbox.kick();
    return { again, failed: results.filter((r) => r.status === 'rejected').length };
  }
}
