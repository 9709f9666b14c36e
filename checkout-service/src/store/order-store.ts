import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { DEFAULT_RECORD_RETENTION_MS, defineScript, Outbox } from '@checkout/chassis';
import type { CloudEvent, OrderStatus } from '@checkout/contracts';
import { factsOf, type Order, type OrderFacts } from '../domain/order';
import { isTerminal, STATUS_RANK } from '../domain/order-status';
import { decodeOrder, encodeOrder } from './order-codec';
import { CREATE_LUA } from './create-lua';
import { REANNOUNCE_LUA } from './reannounce-lua';
import { TRANSITION_LUA } from './transition-lua';

export type TransitionResult = 'applied' | 'ignored' | 'unknown';
export interface OpenOrders {
  total: number;
  oldestAgeMs: number;
  items: {
    orderId: string;
    acceptedAt: string;
    ageMs: number;
    /** 'UNKNOWN' when the order itself is gone (Redis lost it). */
    status: OrderStatus | 'UNKNOWN';
    /** How often its order.created was announced again (REANNOUNCE_LUA). */
    reannounced: number;
  }[];
}

export type CreateResult = 'created' | 'too-many-unpaid' | 'expired' | 'key-taken' | 'id-taken';

/** A key/value the creating write sets as well (the idempotency decision). */
export interface AlsoSet {
  key: string;
  value: string;
  ttlSeconds: number;
  /** What the key must still hold (or be gone) for the write to happen: the request's claim. */
  expect: string;
}

export interface CreateOptions {
  /** Refuse a PENDING order when its customer already holds this many unpaid orders; 0: no cap. */
  maxUnpaid: number;
  also?: AlsoSet;
}

export interface Transition {
  status: OrderStatus;
  at: string;
  fields?: Partial<Pick<Order, 'paymentId' | 'code' | 'reason' | 'stage'>>;
}

/** How long a reading of Redis' clock is used before the next create reads it again. */
const CLOCK_READ_EVERY_MS = 60_000;

/** Facts kept of unfinished orders this process created; beyond it the oldest are dropped. */
const FACTS_KEPT = 10_000;

/**
 * Orders under `<prefix>:order:<id>`, each customer's unpaid order ids under `<prefix>:unpaid:<customerId>`;
 * every write goes with its events into the outbox atomically. An order that has ended (CONFIRMED
 * or FAILED) expires `retentionMs` later; one still under way is kept until it ends.
 */
export class OrderStore {
  private readonly transitionScript;
  private readonly createScript;
  private readonly reannounceScript;
  /**
   * Facts of the unfinished orders this process created, so that moving one on needs no read of
   * it: whether a move is forward is the transition script's check. Another instance's orders, and
   * ones dropped beyond FACTS_KEPT, are read from Redis.
   */
  private readonly open = new Map<string, OrderFacts>();
  /**
   * Redis' clock minus this process' (ms). The creating script compares its deadline with Redis'
   * TIME, and in a cluster the two run on different hosts: a deadline on this host's clock would
   * refuse every order if Redis' clock ran a second ahead, and protect nothing if it ran behind.
   */
  private clockOffsetMs = 0;
  private clockReadAt = 0;

  /**
   * @param writeWindowMs how long after `create` is called its script may still store the order
   *   (0: no limit). Below the Redis command timeout, so that a create the caller gave up on (503)
   *   cannot run later when a stalled server resumes (CREATE_LUA).
   * @param retentionMs how long an order is kept once it has ended (RECORD_RETENTION_MS).
   * @param reannounceAfterMs how long after acceptance an open order is first announced again
   *   (REANNOUNCE_AFTER_MS; 0: never, and its order.created is not kept).
   */
  constructor(
    private readonly redis: Redis,
    private readonly outbox: Outbox,
    readonly prefix = 'checkout',
    private readonly writeWindowMs = 0,
    private readonly retentionMs = DEFAULT_RECORD_RETENTION_MS,
    private readonly reannounceAfterMs = 0,
  ) {
    this.transitionScript = defineScript<string[]>(redis, 4, TRANSITION_LUA);
    this.createScript = defineScript<string[]>(redis, 6, CREATE_LUA);
    this.reannounceScript = defineScript<(string | number)[]>(redis, 3, REANNOUNCE_LUA);
    if (writeWindowMs > 0) {
      redis.on('ready', () => void this.readClock());
      if (redis.status === 'ready') void this.readClock();
    }
  }

  /** Reads Redis' clock (TIME) and takes it as read halfway through the round trip. */
  async readClock(): Promise<void> {
    const sent = Date.now();
    this.clockReadAt = sent;
    try {
      this.clockOffsetMs = (await this.redisNow()) - (sent + Date.now()) / 2;
    } catch {
      this.clockReadAt = 0; // read again on the next create
    }
  }

  /** The creating script's deadline on Redis' clock ('0': none). */
  private writeDeadline(): string {
    if (this.writeWindowMs <= 0) return '0';
    const now = Date.now();
    if (now - this.clockReadAt > CLOCK_READ_EVERY_MS) void this.readClock();
    return String(Math.round(now + this.clockOffsetMs + this.writeWindowMs));
  }

  private unpaidKey(customerId: string): string {
    return `${this.prefix}:unpaid:${customerId}`;
  }

  async unpaidCount(customerId: string): Promise<number> {
    return this.redis.scard(this.unpaidKey(customerId));
  }

  private key(orderId: string): string {
    return `${this.prefix}:order:${orderId}`;
  }

  /** Orders accepted and not yet ended, scored by when they were accepted (Redis' clock, ms). */
  private get openKey(): string {
    return `${this.prefix}:open`;
  }

  /** Open orders to be announced again, scored by when (Redis' clock, ms): REANNOUNCE_LUA. */
  private get reannounceKey(): string {
    return `${this.prefix}:reannounce`;
  }

  /**
   * Orders accepted at least `olderThanMs` ago that have not ended, oldest first, with their status
   * and how often they were re-announced: an order that stops moving (an event lost with a broker's
   * data, a dead-lettered one) shows here. `total` counts every open order, `ageMs` of the oldest.
   */
  async openOrders(olderThanMs: number, limit: number): Promise<OpenOrders> {
    const now = await this.redisNow();
    const [ids, summary] = await Promise.all([
      this.redis.zrangebyscore(this.openKey, '-inf', now - olderThanMs, 'WITHSCORES', 'LIMIT', 0, limit),
      this.openSummary(now),
    ]);
    const pairs: [string, number][] = [];
    for (let i = 0; i < ids.length; i += 2) pairs.push([ids[i]!, Number(ids[i + 1])]);
    const items = await Promise.all(
      pairs.map(async ([orderId, acceptedAt]): Promise<OpenOrders['items'][number]> => {
        const [status, reannounced] = await this.redis.hmget(this.key(orderId), 'status', 'reannounced');
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

  /**
   * Announces order.created again for the open orders whose turn has come (REANNOUNCE_LUA: the
   * wait doubles from `reannounceAfterMs` up to `longestWaitMs`; after `mostTimes` an order is left
   * to an operator), at most `limit` of them, longest due first. Returns those announced now, how
   * often each has been, and whether it was the last time; `failed` counts the scripts that failed.
   */
  async reannounceDue(
    longestWaitMs: number,
    mostTimes: number,
    limit = 1000,
  ): Promise<{ again: { orderId: string; times: number; last: boolean }[]; failed: number }> {
    const ids = await this.redis.zrangebyscore(this.reannounceKey, '-inf', await this.redisNow(), 'LIMIT', 0, limit);
    const results = await Promise.allSettled(
      ids.map((id) =>
        this.reannounceScript(
          [this.key(id), this.outbox.stream, this.reannounceKey],
          id,
          this.reannounceAfterMs,
          longestWaitMs,
          mostTimes,
          randomUUID(),
        ),
      ),
    );
    const again: { orderId: string; times: number; last: boolean }[] = [];
    results.forEach((r, i) => {
      if (r.status !== 'fulfilled') return;
      const [times, last] = r.value as [number, number];
      if (times > 0) again.push({ orderId: ids[i]!, times, last: last === 1 });
    });
    if (again.length > 0) this.outbox.kick();
    return { again, failed: results.filter((r) => r.status === 'rejected').length };
  }

  /**
   * How long the oldest entry has waited in the outbox (ms, 0 when it is empty): long means Kafka is
   * not taking what is written, and announcing orders again would only add to the queue.
   */
  async outboxWaitMs(): Promise<number> {
    const [oldest] = await this.redis.xrange(this.outbox.stream, '-', '+', 'COUNT', 1);
    if (!oldest) return 0;
    return Math.max(0, (await this.redisNow()) - Number(oldest[0].split('-')[0]));
  }

  /** How many orders are open, and how long ago the oldest was accepted. */
  async openSummary(now?: number): Promise<Omit<OpenOrders, 'items'>> {
    const [at, total, oldest] = await Promise.all([
      now ?? this.redisNow(),
      this.redis.zcard(this.openKey),
      this.redis.zrange(this.openKey, 0, 0, 'WITHSCORES'),
    ]);
    return { total, oldestAgeMs: oldest.length ? Math.max(0, at - Number(oldest[1])) : 0 };
  }

  /** Redis' clock in ms: the index is scored on it, whatever this host's clock says. */
  private async redisNow(): Promise<number> {
    const [seconds, micros] = await this.redis.time();
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  }

  async get(orderId: string): Promise<Order | undefined> {
    return decodeOrder(await this.redis.hgetall(this.key(orderId)));
  }

  /** The order's facts, from memory when this process created it and it is not finished yet. */
  async facts(orderId: string): Promise<OrderFacts | undefined> {
    const known = this.open.get(orderId);
    if (known) return known;
    const order = await this.get(orderId);
    return order && factsOf(order);
  }

  /**
   * Stores a new order with its events (and `also`), unless a PENDING order would exceed the unpaid
   * cap ('too-many-unpaid'), Redis runs the write after its window ('expired'), `also`'s key holds
   * another request's claim or decision ('key-taken'), or an order `also` does not stand for has
   * this id ('id-taken'); none of them writes.
   */
  async create(order: Order, events: CloudEvent[], { maxUnpaid, also }: CreateOptions): Promise<CreateResult> {
    const cap = order.status === 'PENDING' ? maxUnpaid : 0;
    const write = this.createScript(
      [
        this.key(order.orderId),
        this.unpaidKey(order.customerId),
        this.outbox.stream,
        also?.key ?? this.key(order.orderId),
        this.openKey,
        this.reannounceKey,
      ],
      this.writeDeadline(),
      String(cap),
      order.orderId,
      also?.value ?? '',
      String(also?.ttlSeconds ?? 0),
      also?.expect ?? '',
      isTerminal(order.status) ? String(this.retentionMs) : '0',
      String(this.reannounceAfterMs),
      String(events.length),
      ...events.map((e) => Outbox.serialize(e)),
      ...Object.entries(encodeOrder(order)).flat(),
    );
    const result = await this.outbox.publishing(write);
    if (result === -1) return 'expired';
    if (result === -2) return 'key-taken';
    if (result === -3) return 'id-taken';
    if (result !== 1) return 'too-many-unpaid';
    if (!isTerminal(order.status)) this.remember(factsOf(order));
    return 'created';
  }

  async transition(orderId: string, change: Transition, event?: CloudEvent): Promise<TransitionResult> {
    const fields = Object.entries(change.fields ?? {}).flatMap(([k, v]) => (v === undefined ? [] : [k, v]));
    const write = this.transitionScript(
      [this.key(orderId), this.outbox.stream, this.openKey, this.reannounceKey],
      change.status,
      String(STATUS_RANK[change.status]),
      change.at,
      event ? Outbox.serialize(event) : '',
      `${this.prefix}:unpaid:`,
      randomUUID(),
      String(this.retentionMs),
      ...fields,
    );
    const result = event ? await this.outbox.publishing(write) : await write;
    if (result === 1) {
      if (isTerminal(change.status)) this.open.delete(orderId);
      return 'applied';
    }
    return result === 0 ? 'ignored' : 'unknown';
  }

  private remember(facts: OrderFacts): void {
    this.open.set(facts.orderId, facts);
    // A Map iterates in insertion order: the first key is the oldest.
    if (this.open.size > FACTS_KEPT) this.open.delete(this.open.keys().next().value!);
  }
}
