import { DEFAULT_RECORD_RETENTION_MS, type Outbox, type Redis } from '@checkout/chassis';
import { MAX_QUANTITY, type ItemQuantity } from '@checkout/contracts';
import { expiryReason, type Reservation, type ReservationStatus, type StockFailureCode } from '../domain/reservation';
import { eventMeta } from './event-meta';
import { keys, type Keys } from './keys';
import { inventoryScripts, type InventoryScripts } from './scripts';

export type ReserveResult =
  | { outcome: 'RESERVED' }
  | { outcome: 'FAILED'; code: StockFailureCode }
  /** Handled before, and asked again (a re-announced order.created): its first event announced again. */
  | { outcome: 'REANNOUNCED' }
  /** Handled before: nothing changes, nothing is emitted. */
  | { outcome: 'DUPLICATE' };

/** When a held reservation's stock.reserved is announced again (HOLD_PENDING_LUA); firstWaitMs 0: never. */
export interface HeldAnnouncements {
  firstWaitMs: number;
  longestWaitMs: number;
  mostTimes: number;
}

/** What stood in the way of a commit or release: another status, no record, or not yet due. */
export type TransitionResult =
  ReservationStatus | 'UNKNOWN' | 'NOT_DUE' | 'ALREADY_COMMITTED' | 'ALREADY_RELEASED' | 'REFUSED_BEFORE';

/**
 * Reservations `<prefix>:reservation:<orderId>` (a hash) and the sorted set of their expiries.
 * Every transition is one Lua script that changes levels, the record and the outbox together.
 * A reservation that has ended (COMMITTED, RELEASED or FAILED) expires `retentionMs` later.
 */
export class ReservationStore {
  private readonly keys: Keys;
  private readonly scripts: InventoryScripts;

  constructor(
    private readonly redis: Redis,
    private readonly outbox: Outbox,
    readonly prefix = 'inventory',
    private readonly retentionMs = DEFAULT_RECORD_RETENTION_MS,
  ) {
    this.keys = keys(prefix);
    this.scripts = inventoryScripts(redis);
  }

  /** `items` must be summed per product (see sumLines). */
  async reserve(
    orderId: string,
    items: ItemQuantity[],
    opts: {
      ttlMs: number;
      correlationId: string;
      traceparent?: string;
      now?: number;
      /** The order.created's re-announcement mark (HandlerContext.reannounced). */
      reannounced?: string;
    },
  ): Promise<ReserveResult> {
    const now = opts.now ?? Date.now();
    const expiresAt = now + opts.ttlMs;
    const [outcome, code] = (await this.outbox.publishing(
      this.scripts.reserve(
        this.transitionKeys(orderId),
        this.prefix,
        orderId,
        JSON.stringify(items),
        now,
        expiresAt,
        new Date(expiresAt).toISOString(),
        eventMeta(opts.correlationId, opts.traceparent, new Date(now)),
        MAX_QUANTITY,
        this.retentionMs,
        opts.reannounced ?? '',
      ),
    )) as [ReserveResult['outcome'], StockFailureCode?];
    return outcome === 'FAILED' ? { outcome, code: code ?? 'INSUFFICIENT_STOCK' } : { outcome };
  }

  /**
   * Sells a RESERVED reservation's units. One the expiry sweeper RELEASED (its payment came after
   * it) takes them again if they are all still available: 'RECOMMITTED', with a stock.updated per
   * product; if not, 'RELEASED' once and 'REFUSED_BEFORE' for every later delivery (the refusal is
   * final). Otherwise the status that prevented it. `callId` (the handler's delivery id) makes a
   * retry of the same delivery, after an answer lost to a timeout, get the answer its first run got.
   */
  async commit(
    orderId: string,
    opts: { correlationId?: string; traceparent?: string; now?: number; callId?: string } = {},
  ): Promise<TransitionResult | 'RECOMMITTED'> {
    const now = new Date(opts.now ?? Date.now());
    const result = (await this.scripts.commit(
      this.transitionKeys(orderId),
      this.prefix,
      orderId,
      now.toISOString(),
      eventMeta(opts.correlationId ?? '', opts.traceparent, now, opts.callId),
      expiryReason,
      this.retentionMs,
    )) as TransitionResult | 'RECOMMITTED';
    // Only a late commit writes events: the usual one does not wait for an outbox claim.
    if (result === 'RECOMMITTED') this.outbox.kick();
    return result;
  }

  /**
   * Releases a RESERVED reservation. With `dueBefore`, only one whose expiresAt is not after it
   * (the sweeper). Without a correlation id the one recorded at reservation time is used.
   */
  async release(
    orderId: string,
    reason: string,
    opts: { correlationId?: string; traceparent?: string; dueBefore?: number } = {},
  ): Promise<TransitionResult | 'RELEASED'> {
    return (await this.outbox.publishing(
      this.scripts.release(
        this.transitionKeys(orderId),
        this.prefix,
        orderId,
        reason,
        eventMeta(opts.correlationId ?? '', opts.traceparent),
        opts.dueBefore ?? '',
        this.retentionMs,
      ),
    )) as TransitionResult | 'RELEASED';
  }

  /**
   * Makes these reservations due again at `at` (their place in the expiry set only: expiresAt, which
   * the release script checks, stays). One that has left the set meanwhile is not put back.
   */
  async recheckLater(orderIds: string[], at: number): Promise<void> {
    if (orderIds.length === 0) return;
    await this.redis.zadd(this.keys.expiries, 'XX', ...orderIds.flatMap((id) => [at, id]));
  }

  /**
   * Holds an expired reservation whose payment is pending until `recheckAt`, and announces its
   * stock.reserved again if its turn has come at `now` (HOLD_PENDING_LUA). Returns how many copies
   * went out so far, whether one went out now, and whether its last turn came now (exhausted).
   * A script resent after its answer was lost finds its turn taken: the copy is not repeated, but
   * this call then reports none.
   */
  async holdPending(
    orderId: string,
    { recheckAt, now, ...turns }: { recheckAt: number; now: number } & HeldAnnouncements,
  ): Promise<{ copies: number; announced: boolean; exhausted: boolean }> {
    const [copies, announced, exhausted] = (await this.scripts.holdPending(
      [this.keys.reservation(orderId), this.keys.expiries, this.outbox.stream],
      orderId,
      recheckAt,
      now,
      turns.firstWaitMs,
      turns.longestWaitMs,
      turns.mostTimes,
    )) as [number, number, number];
    if (announced === 1) this.outbox.kick();
    return { copies, announced: announced === 1, exhausted: exhausted === 1 };
  }

  /** Order ids whose reservation expired at or before `before`, oldest first. */
  due(before: number, limit = 100): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.expiries, '-inf', before, 'LIMIT', 0, limit);
  }

  async get(orderId: string): Promise<Reservation | undefined> {
    const h = await this.redis.hgetall(this.keys.reservation(orderId));
    if (!h.status) return undefined;
    return {
      orderId,
      status: h.status as ReservationStatus,
      items: JSON.parse(h.items ?? '[]') as ItemQuantity[],
      ...(h.expiresAt ? { expiresAt: new Date(Number(h.expiresAt)).toISOString() } : {}),
      ...(h.code ? { code: h.code } : {}),
      ...(h.reason ? { reason: h.reason } : {}),
    };
  }

  private transitionKeys(orderId: string): string[] {
    return [this.keys.reservation(orderId), this.keys.expiries, this.outbox.stream];
  }
}
