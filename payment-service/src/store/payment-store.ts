import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { DEFAULT_RECORD_RETENTION_MS, Outbox, defineScript } from '@checkout/chassis';
import type { CloudEvent } from '@checkout/contracts';
import type { AuthorizationResult } from '../domain/authorization';
import type { Claim, PaymentRecord, PaymentStatus } from '../domain/payment';
import {
  CLOSE_UNCHARGED_LUA,
  COMPLETE_LUA,
  HOLD_LUA,
  RECLAIM_LUA,
  RECORD_HALF_LUA,
  STRAY_CHARGE_LUA,
} from './payment-scripts';

type Fields = Record<string, string>;

const pairsToFields = (flat: string[]): Fields => {
  const fields: Fields = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
  return fields;
};

/**
 * Payments by order: Redis hashes `<prefix>:payments:<orderId>`, leases in `<prefix>:processing`.
 * A decided payment expires `retentionMs` after its decision, and so does a half whose pair never
 * came; a claimed one is kept until it is decided.
 */
export class PaymentStore {
  private readonly recordHalfScript;
  private readonly reclaimScript;
  private readonly completeScript;
  private readonly closeUnchargedScript;
  private readonly holdScript;
  private readonly strayChargeScript;
  private readonly processingKey: string;

  constructor(
    private readonly redis: Redis,
    private readonly outbox: Pick<Outbox, 'stream' | 'kick'>,
    private readonly prefix = 'payment',
    private readonly retentionMs = DEFAULT_RECORD_RETENTION_MS,
  ) {
    this.processingKey = `${prefix}:processing`;
    this.recordHalfScript = defineScript(redis, 3, RECORD_HALF_LUA);
    this.reclaimScript = defineScript(redis, 2, RECLAIM_LUA);
    this.completeScript = defineScript(redis, 3, COMPLETE_LUA);
    this.closeUnchargedScript = defineScript(redis, 1, CLOSE_UNCHARGED_LUA);
    this.holdScript = defineScript(redis, 2, HOLD_LUA);
    this.strayChargeScript = defineScript(redis, 1, STRAY_CHARGE_LUA);
  }

  private key(orderId: string): string {
    return `${this.prefix}:payments:${orderId}`;
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
  ) {
    const { orderId, ...rest } = o;
    return this.recordHalf(orderId, { ...rest, amount: String(o.amount) }, leaseMs);
  }

  /**
   * Records the reservation's half; returns a claim when this call completed the pair. With
   * `reannounced` (a stock.reserved announced again), a decided payment repeats its outcome.
   */
  recordReservation(
    r: { orderId: string; expiresAt: string; correlationId: string; traceparent?: string },
    leaseMs: number,
    reannounced = false,
  ) {
    const { orderId, ...half } = r;
    return this.recordHalf(orderId, half, leaseMs, reannounced);
  }

  /**
   * With `reannounce`, a payment already decided announces its outcome again (RECORD_HALF_LUA).
   */
  private async recordHalf(
    orderId: string,
    half: Fields,
    leaseMs: number,
    reannounce = false,
  ): Promise<Claim | undefined> {
    const owner = randomUUID();
    const now = Date.now();
    const args = [
      orderId,
      owner,
      now + leaseMs,
      this.retentionMs,
      reannounce ? '1' : '0',
      'createdAt',
      new Date(now).toISOString(),
      ...Object.entries(half).flat(),
    ];
    const [outcome, ...flat] = (await this.recordHalfScript(
      [this.key(orderId), this.processingKey, this.outbox.stream],
      ...args,
    )) as string[];
    if (flat[0] === 'REANNOUNCED') this.outbox.kick();
    return outcome === 'CLAIMED' ? toClaim(orderId, owner, pairsToFields(flat)) : undefined;
  }

  /** Takes over authorizations whose lease expired; each returned claim is now ours alone. */
  async reclaimExpired(leaseMs: number, limit = 50): Promise<Claim[]> {
    const now = Date.now();
    const due = await this.redis.zrangebyscore(this.processingKey, '-inf', now, 'LIMIT', 0, limit);
    const claims: Claim[] = [];
    for (const orderId of due) {
      const owner = randomUUID();
      const flat = (await this.reclaimScript(
        [this.key(orderId), this.processingKey],
        orderId,
        now,
        owner,
        now + leaseMs,
      )) as string[];
      if (flat.length > 0) claims.push({ ...toClaim(orderId, owner, pairsToFields(flat)), resumed: true });
    }
    return claims;
  }

  /** Renews the claim's lease for another `leaseMs`; false when it is no longer this claim's. */
  async hold(claim: Claim, leaseMs: number): Promise<boolean> {
    const held = await this.holdScript(
      [this.key(claim.orderId), this.processingKey],
      claim.orderId,
      claim.owner,
      Date.now() + leaseMs,
    );
    return held === 1;
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
  ): Promise<'written' | 'not-ours' | { strayCharge: string }> {
    const outcome = result.ok ? ['paymentId', result.paymentId] : ['code', result.code, 'reason', result.reason];
    const written = await this.completeScript(
      [this.key(claim.orderId), this.processingKey, this.outbox.stream],
      claim.orderId,
      claim.owner,
      result.ok ? 'AUTHORIZED' : 'FAILED',
      result.attempts,
      new Date().toISOString(),
      Outbox.serialize(event),
      this.retentionMs,
      ...outcome,
    );
    if (typeof written === 'string') return { strayCharge: written };
    return written === 1 ? 'written' : 'not-ours';
  }

  /** Reports a charge authorized by a worker that lost the claim (see STRAY_CHARGE_LUA); answers the payment's status. */
  async reportStrayCharge(orderId: string, paymentId: string): Promise<string> {
    return (await this.strayChargeScript([this.key(orderId)], paymentId)) as string;
  }

  /** Closes an order that will never be charged (see CLOSE_UNCHARGED_LUA); false when it was claimed or decided. */
  async closeUncharged(orderId: string, code: string, reason: string): Promise<boolean> {
    const closed = await this.closeUnchargedScript(
      [this.key(orderId)],
      code,
      reason,
      new Date().toISOString(),
      this.retentionMs,
    );
    return closed === 1;
  }

  async get(orderId: string): Promise<PaymentRecord | undefined> {
    const f = await this.redis.hgetall(this.key(orderId));
    if (!f.status) return undefined;
    return {
      orderId,
      status: f.status as PaymentStatus,
      attempts: Number(f.attempts ?? 0),
      ...(f.amount !== undefined ? { amount: Number(f.amount) } : {}),
      ...(f.currency ? { currency: f.currency } : {}),
      ...(f.expiresAt ? { expiresAt: f.expiresAt } : {}),
      ...(f.paymentId ? { paymentId: f.paymentId } : {}),
      ...(f.code ? { code: f.code } : {}),
      ...(f.reason ? { reason: f.reason } : {}),
    };
  }
}

function toClaim(orderId: string, owner: string, f: Fields): Claim {
  return {
    orderId,
    owner,
    amount: Number(f.amount),
    currency: f.currency ?? '',
    token: f.token ?? '',
    expiresAt: f.expiresAt ?? '',
    correlationId: f.correlationId ?? orderId,
    ...(f.traceparent ? { traceparent: f.traceparent } : {}),
  };
}
