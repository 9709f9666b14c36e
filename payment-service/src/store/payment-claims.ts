import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { defineScript, type Outbox } from '@checkout/chassis';
import type { Claim } from '../domain/payment';
import { pairsToFields, toClaim, type Fields } from './payment-codec';
import type { PaymentKeys } from './payment-keys';
import { HOLD_LUA, RECLAIM_LUA, RECORD_HALF_LUA } from './payment-scripts';

/** Claims on authorizations and their leases: who may charge an order, and until when. */
export class PaymentClaims {
  private readonly recordHalfScript;
  private readonly reclaimScript;
  private readonly holdScript;

  constructor(
    private readonly redis: Redis,
    private readonly outbox: Pick<Outbox, 'stream' | 'kick'>,
    private readonly keys: PaymentKeys,
    private readonly retentionMs: number,
  ) {
    this.recordHalfScript = defineScript(redis, 4, RECORD_HALF_LUA);
    this.reclaimScript = defineScript(redis, 2, RECLAIM_LUA);
    this.holdScript = defineScript(redis, 2, HOLD_LUA);
  }

  /**
   * Records one half of the pair (the order's or the reservation's); returns a claim when this call
   * completed it. With `reannounce`, a payment already decided announces its outcome again
   * (RECORD_HALF_LUA). `owner` is the claim's owner should this call complete the pair: give the
   * same one when repeating a call whose answer was lost (the handler's delivery id), and the
   * repeat finds its claim and is answered with it; a new one each time (the default) leaves
   * such a claim to the sweeper once its lease runs out.
   */
  async recordHalf(
    orderId: string,
    half: Fields,
    leaseMs: number,
    { reannounce = false, owner = randomUUID() }: { reannounce?: boolean; owner?: string } = {},
  ): Promise<Claim | undefined> {
    const now = Date.now();
    const args = [
      orderId,
      owner,
      now + leaseMs,
      this.retentionMs,
      reannounce ? '1' : '0',
      half.expiresAt === undefined ? '' : Date.parse(half.expiresAt),
      'createdAt',
      new Date(now).toISOString(),
      ...Object.entries(half).flat(),
    ];
    const [outcome, ...flat] = (await this.recordHalfScript(
      [this.keys.payment(orderId), this.keys.processing, this.outbox.stream, this.keys.awaiting],
      ...args,
    )) as string[];
    if (flat[0] === 'REANNOUNCED') this.outbox.kick();
    return outcome === 'CLAIMED' ? toClaim(orderId, owner, pairsToFields(flat)) : undefined;
  }

  /** Takes over authorizations whose lease expired; each returned claim is now ours alone. */
  async reclaimExpired(leaseMs: number, limit: number): Promise<Claim[]> {
    const now = Date.now();
    const due = await this.redis.zrangebyscore(this.keys.processing, '-inf', now, 'LIMIT', 0, limit);
    const claims: Claim[] = [];
    for (const orderId of due) {
      const owner = randomUUID();
      const flat = (await this.reclaimScript(
        [this.keys.payment(orderId), this.keys.processing],
        orderId,
        now,
        owner,
        now + leaseMs,
      )) as string[];
      if (flat.length > 0) claims.push({ ...toClaim(orderId, owner, pairsToFields(flat)), resumed: true });
    }
    return claims;
  }

  /**
   * Renews the claim's lease for another `leaseMs` (none given: the lease is kept), recording
   * `attempts` when given; false when the claim is no longer this claim's.
   */
  async hold(claim: Claim, { leaseMs, attempts }: { leaseMs?: number; attempts?: number }): Promise<boolean> {
    const held = await this.holdScript(
      [this.keys.payment(claim.orderId), this.keys.processing],
      claim.orderId,
      claim.owner,
      leaseMs === undefined ? '' : Date.now() + leaseMs,
      attempts ?? '',
    );
    return held === 1;
  }
}
