import type { Redis } from 'ioredis';
import { DEFAULT_RECORD_RETENTION_MS, Outbox, defineScript } from '@checkout/chassis';
import type { CloudEvent } from '@checkout/contracts';
import type { AuthorizationResult } from '../domain/authorization';
import type { Claim, PaymentRecord, PaymentStatus } from '../domain/payment';
import { PaymentClaims } from './payment-claims';
import { decodePayment } from './payment-codec';
import { paymentKeys, type PaymentKeys } from './payment-keys';
import {
  CLOSE_UNCHARGED_LUA,
  COMPLETE_LUA,
  EXPIRE_AWAITING_LUA,
  STRAY_CHARGE_LUA,
  TAKE_DUE_LUA,
} from './payment-scripts';

/**
 * Payments by order: Redis hashes `<prefix>:payments:<orderId>`, leases in `<prefix>:processing`,
 * and two lists of questions for the gateway, by when they are due: reservations whose order never
 * came (`<prefix>:awaiting`) and payments a resumed claim failed (`<prefix>:recheck`).
 * A decided payment expires `retentionMs` after its decision, and so does an order's half whose
 * reservation never came; a claimed one is kept until it is decided.
 */
export class PaymentStore {
  private readonly completeScript;
  private readonly closeUnchargedScript;
  private readonly strayChargeScript;
  private readonly expireAwaitingScript;
  private readonly takeDueScript;
  private readonly keys: PaymentKeys;
  private readonly claims: PaymentClaims;

  constructor(
    private readonly redis: Redis,
    private readonly outbox: Pick<Outbox, 'stream' | 'kick'>,
    prefix = 'payment',
    private readonly retentionMs = DEFAULT_RECORD_RETENTION_MS,
  ) {
    this.keys = paymentKeys(prefix);
    this.claims = new PaymentClaims(redis, outbox, this.keys, retentionMs);
    this.completeScript = defineScript(redis, 4, COMPLETE_LUA);
    this.closeUnchargedScript = defineScript(redis, 1, CLOSE_UNCHARGED_LUA);
    this.strayChargeScript = defineScript(redis, 1, STRAY_CHARGE_LUA);
    this.expireAwaitingScript = defineScript(redis, 3, EXPIRE_AWAITING_LUA);
    this.takeDueScript = defineScript(redis, 1, TAKE_DUE_LUA);
  }

  /** Records the order's half; returns a claim when this call completed the pair. */
  recordOrder(
    o: {
      orderId: string;
      amount: number;
      currency: string;
      token: string;
      correlationId: string;
      traceparent?: string;
    },
    leaseMs: number,
    owner?: string,
  ) {
    const { orderId, ...rest } = o;
    return this.claims.recordHalf(orderId, { ...rest, amount: String(o.amount) }, leaseMs, owner ? { owner } : {});
  }

  /**
   * Records the reservation's half; returns a claim when this call completed the pair. With
   * `reannounced` (a stock.reserved announced again), a decided payment repeats its outcome.
   * `owner`: as for recordOrder (PaymentClaims.recordHalf).
   */
  recordReservation(
    r: { orderId: string; expiresAt: string; correlationId: string; traceparent?: string },
    leaseMs: number,
    { reannounced = false, owner }: { reannounced?: boolean; owner?: string } = {},
  ) {
    const { orderId, ...half } = r;
    return this.claims.recordHalf(orderId, half, leaseMs, { reannounce: reannounced, ...(owner ? { owner } : {}) });
  }

  reclaimExpired(leaseMs: number, limit = 50): Promise<Claim[]> {
    return this.claims.reclaimExpired(leaseMs, limit);
  }

  /**
   * Renews the claim's lease for another `leaseMs` (0 hands it back: it ends now), recording the
   * attempts its charge made so far when given; false when the claim is no longer this worker's.
   */
  hold(claim: Claim, leaseMs: number, attempts?: number): Promise<boolean> {
    return this.claims.hold(claim, { leaseMs, ...(attempts === undefined ? {} : { attempts }) });
  }

  /** Records the attempts the claim's charge made so far, its lease kept; false when it is no longer this worker's. */
  recordAttempts(claim: Claim, attempts: number): Promise<boolean> {
    return this.claims.hold(claim, { attempts });
  }

  /**
   * Writes the outcome and its event atomically: 'written', or 'not-ours' when another worker holds
   * the claim or finished it, or the id of a charge the gateway authorized for the order that a
   * worker which lost the claim reported (a failure is then not written: see COMPLETE_LUA).
   */
  async complete(
    claim: Claim,
    result: AuthorizationResult,
    event: CloudEvent,
    { recheckAt }: { recheckAt?: number } = {},
  ): Promise<'written' | 'not-ours' | { strayCharge: string }> {
    const outcome = result.ok ? ['paymentId', result.paymentId] : ['code', result.code, 'reason', result.reason];
    const written = await this.completeScript(
      [this.keys.payment(claim.orderId), this.keys.processing, this.outbox.stream, this.keys.recheck],
      claim.orderId,
      claim.owner,
      result.ok ? 'AUTHORIZED' : 'FAILED',
      result.attempts,
      new Date().toISOString(),
      Outbox.serialize(event),
      this.retentionMs,
      recheckAt ?? '',
      ...outcome,
    );
    if (typeof written === 'string') return { strayCharge: written };
    return written === 1 ? 'written' : 'not-ours';
  }

  /**
   * Reports a charge the gateway authorized that this service did not record (see STRAY_CHARGE_LUA):
   * the payment's status (undefined when its record is gone), and whether `reporter` is the one to raise it
   * (the first to report it on a FAILED payment, or any for a record that is gone).
   */
  async reportStrayCharge(
    orderId: string,
    paymentId: string,
    reporter: string,
  ): Promise<{ status: PaymentStatus | undefined; first: boolean }> {
    const [status, first] = (await this.strayChargeScript([this.keys.payment(orderId)], paymentId, reporter)) as [
      PaymentStatus | '',
      number,
    ];
    return { status: status || undefined, first: first === 1 };
  }

  /** Closes an order that will never be charged (see CLOSE_UNCHARGED_LUA); false when it was claimed or decided. */
  async closeUncharged(orderId: string, code: string, reason: string): Promise<boolean> {
    const closed = await this.closeUnchargedScript(
      [this.keys.payment(orderId)],
      code,
      reason,
      new Date().toISOString(),
      this.retentionMs,
    );
    return closed === 1;
  }

  /**
   * Reservations whose order's half never came, expired by now (oldest first), each taken for
   * `holdMs` (TAKE_DUE_LUA): no other instance asks about it meanwhile.
   */
  takeDueAwaiting(holdMs: number, limit = 50): Promise<DueOrder[]> {
    return this.takeDueOrders(this.keys.awaiting, holdMs, limit);
  }

  /**
   * Fails an expired reservation whose order's half never came, with its payment.failed, in one step
   * (EXPIRE_AWAITING_LUA); false when it was claimed or decided meanwhile.
   */
  async failAwaiting(event: CloudEvent<'payment.failed'>): Promise<boolean> {
    const { orderId, code, reason } = event.data;
    const failed = await this.expireAwaitingScript(
      [this.keys.payment(orderId), this.keys.awaiting, this.outbox.stream],
      orderId,
      new Date().toISOString(),
      this.retentionMs,
      Outbox.serialize(event),
      code,
      reason,
    );
    if (failed === 1) this.outbox.kick();
    return failed === 1;
  }

  /** Failed payments due to be checked once more with the gateway (see COMPLETE_LUA), taken as takeDueAwaiting's are. */
  takeDueRechecks(holdMs: number, limit = 50): Promise<DueOrder[]> {
    return this.takeDueOrders(this.keys.recheck, holdMs, limit);
  }

  private async takeDueOrders(key: string, holdMs: number, limit: number): Promise<DueOrder[]> {
    const now = Date.now();
    const ids = (await this.takeDueScript([key], now, now + holdMs, limit)) as string[];
    if (ids.length === 0) return [];
    // What each order's events carry on, read in one round trip.
    const pipeline = this.redis.pipeline();
    for (const orderId of ids) pipeline.hmget(this.keys.payment(orderId), 'correlationId', 'traceparent');
    const results = (await pipeline.exec()) ?? [];
    return ids.map((orderId, i) => {
      const [err, fields] = results[i] ?? [];
      if (err) throw err;
      const [correlationId, traceparent] = (fields ?? []) as (string | null)[];
      return { orderId, correlationId: correlationId ?? orderId, ...(traceparent ? { traceparent } : {}) };
    });
  }

  async recheckDone(orderId: string): Promise<void> {
    await this.redis.zrem(this.keys.recheck, orderId);
  }

  /** Takes a reservation off the awaiting list, left PENDING: it is not failed when it expires. */
  async leaveAwaiting(orderId: string): Promise<void> {
    await this.redis.zrem(this.keys.awaiting, orderId);
  }

  async get(orderId: string): Promise<PaymentRecord | undefined> {
    return decodePayment(orderId, await this.redis.hgetall(this.keys.payment(orderId)));
  }
}

/** An order on one of the store's lists of questions for the gateway, with what its events carry on. */
export interface DueOrder {
  orderId: string;
  correlationId: string;
  traceparent?: string;
}
