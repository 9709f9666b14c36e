import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import {
  DEFAULT_RECORD_RETENTION_MS,
  DEFAULT_REDIS_COMMAND_TIMEOUT_MS,
  defineScript,
  mayHaveRunUnanswered,
  Outbox,
  readyWithin,
  RedisClock,
} from '@checkout/chassis';
import type { CloudEvent, OpenOrders } from '@checkout/contracts';
import { factsOf, type Order, type OrderFacts } from '../domain/order';
import { isTerminal, STATUS_RANK } from '../domain/order-status';
import { decodeOrder, encodeOptionalFields, encodeOrder } from './order-codec';
import { CREATE_LUA } from './create-lua';
import { TRANSITION_LUA } from './transition-lua';
import { OrderFactsCache } from './order-facts-cache';
import { orderKeys, type OrderKeys } from './order-keys';
import type { CreateOptions, CreateResult, Transition, TransitionResult } from './order-write-types';
import { openOrders, openSummary } from './open-orders';
import { ReannounceSchedule, type Reannounced } from './reannounce-schedule';

/**
 * Orders under `<prefix>:order:<id>`, each customer's unpaid order ids under `<prefix>:unpaid:<customerId>`;
 * every write goes with its events into the outbox atomically. An order that has ended (CONFIRMED
 * or FAILED) expires `retentionMs` later; one still under way is kept until it ends.
 */
export class OrderStore {
  private readonly transitionScript;
  private readonly createScript;
  private readonly keys: OrderKeys;
  private readonly openFacts = new OrderFactsCache();
  private readonly clock: RedisClock;
  private readonly reannounce: ReannounceSchedule;

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
    this.keys = orderKeys(prefix);
    this.transitionScript = defineScript<string[]>(redis, 4, TRANSITION_LUA);
    this.createScript = defineScript<string[]>(redis, 6, CREATE_LUA);
    this.reannounce = new ReannounceSchedule(redis, outbox, this.keys, reannounceAfterMs);
    this.clock = new RedisClock(redis);
    if (writeWindowMs > 0) this.clock.follow();
  }

  /** Reads Redis' clock, on which the creating script's deadline is set. */
  readClock(): Promise<void> {
    return this.clock.read();
  }

  /** The deadline on Redis' clock of a write issued now ('0': none): `writeWindowMs` from now. */
  writeDeadline(): string {
    return this.clock.deadline(this.writeWindowMs);
  }

  async unpaidCount(customerId: string): Promise<number> {
    return this.redis.scard(this.keys.unpaid(customerId));
  }

  /** See open-orders.ts: what an operator looks at when orders stop moving. */
  openOrders(olderThanMs: number, limit: number): Promise<OpenOrders> {
    return openOrders(this.redis, this.keys, olderThanMs, limit);
  }

  openSummary(now?: number): Promise<Omit<OpenOrders, 'items'>> {
    return openSummary(this.redis, this.keys, now);
  }

  /** See ReannounceSchedule.due: re-drives the sagas of open orders whose turn has come. */
  reannounceDue(longestWaitMs: number, mostTimes: number, limit = 1000): Promise<Reannounced> {
    return this.reannounce.due(longestWaitMs, mostTimes, limit);
  }

  /** See Outbox.oldestWaitMs. */
  outboxWaitMs(): Promise<number> {
    return this.outbox.oldestWaitMs();
  }

  async get(orderId: string): Promise<Order | undefined> {
    return decodeOrder(await this.redis.hgetall(this.keys.order(orderId)));
  }

  /** The order's facts, from memory when this process created it and it is not finished yet. */
  async facts(orderId: string): Promise<OrderFacts | undefined> {
    const known = this.openFacts.get(orderId);
    if (known) return known;
    const order = await this.get(orderId);
    return order && factsOf(order);
  }

  /**
   * Stores a new order with its events (and `also`), unless a PENDING order would exceed the unpaid
   * cap ('too-many-unpaid'), Redis runs the write after its window ('expired'), `also`'s key holds
   * another request's claim or decision ('key-taken'), or an order `also` does not stand for has
   * this id ('id-taken'); none of them writes.
   *
   * A write whose answer did not come (a reply later than the command timeout, a connection lost
   * after the script ran) is sent again, the very same call, once the connection is back: Redis
   * runs it after the first, so it answers 1 when the first stored the order (CREATE_LUA writes
   * nothing then) and -1 once the deadline has passed. A 503 then says the truth, for a client
   * without an Idempotency-Key too, whose retry would otherwise place the cart a second time. The
   * connection is waited for up to a command timeout (twice the write's window), and not at all
   * once the client hung up; when no answer comes, the first one's error is thrown: the order may
   * then have been stored within its window. A write that never left (no connection, no offline
   * queue) fails at once, as before: nothing can have run.
   */
  async create(
    order: Order,
    events: CloudEvent[],
    { maxUnpaid, also, clientGone }: CreateOptions,
  ): Promise<CreateResult> {
    const cap = order.status === 'PENDING' ? maxUnpaid : 0;
    const deadline = this.writeDeadline();
    const write = () =>
      this.createScript(
        [
          this.keys.order(order.orderId),
          this.keys.unpaid(order.customerId),
          this.outbox.stream,
          also?.key ?? this.keys.order(order.orderId),
          this.keys.open,
          this.keys.reannounce,
        ],
        deadline,
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
    const result = await this.outbox.publishing(write()).catch((err: unknown) => {
      if (!mayHaveRunUnanswered(err)) throw err;
      return this.sendAgain(write, err, clientGone);
    });
    if (result === -1) return 'expired';
    if (result === -2) return 'key-taken';
    if (result === -3) return 'id-taken';
    if (result !== 1) return 'too-many-unpaid';
    if (!isTerminal(order.status)) this.openFacts.remember(factsOf(order));
    return 'created';
  }

  /** See create: `write` again, waiting for the connection to be back; `lost` (the first one's error) if no answer comes. */
  private async sendAgain<T>(write: () => Promise<T>, lost: unknown, clientGone?: () => boolean): Promise<T> {
    const giveUpAt = Date.now() + (this.writeWindowMs > 0 ? 2 * this.writeWindowMs : DEFAULT_REDIS_COMMAND_TIMEOUT_MS);
    for (;;) {
      try {
        return await this.outbox.publishing(write());
      } catch {
        // Not sent (no offline queue): sent again once the connection is back, while time is left.
        const left = giveUpAt - Date.now();
        if (this.redis.status === 'ready' || left <= 0 || !(await readyWithin(this.redis, left)) || clientGone?.())
          throw lost;
      }
    }
  }

  async transition(orderId: string, change: Transition, event?: CloudEvent): Promise<TransitionResult> {
    const fields = Object.entries(encodeOptionalFields(change.fields ?? {})).flat();
    const write = this.transitionScript(
      [this.keys.order(orderId), this.outbox.stream, this.keys.open, this.keys.reannounce],
      change.status,
      String(STATUS_RANK[change.status]),
      change.at,
      event ? Outbox.serialize(event) : '',
      this.keys.unpaidPrefix,
      randomUUID(),
      String(this.retentionMs),
      ...fields,
    );
    const result = event ? await this.outbox.publishing(write) : await write;
    if (result === 1) {
      if (isTerminal(change.status)) this.openFacts.forget(orderId);
      return 'applied';
    }
    return result === 0 ? 'ignored' : 'unknown';
  }
}
