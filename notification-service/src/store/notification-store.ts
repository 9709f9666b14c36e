import type { Redis } from 'ioredis';
import { DEFAULT_RECORD_RETENTION_MS, defineScript } from '@checkout/chassis';
import type { Customer } from '@checkout/contracts';
import type { Notification, PendingNotification, Template } from '../domain/notification';
import {
  CLAIM_LUA,
  HOLD_LUA,
  MARK_SENT_LUA,
  RELEASE_LUA,
  REMEMBER_CUSTOMER_LUA,
  RESOLVE_OR_DEFER_LUA,
} from './notification-scripts';

/**
 * How long a claim keeps others from sending unless renewed: the sending call renews it every
 * third of it while its channel runs (`hold`), so it runs out only for a caller that died or hangs.
 */
export const CLAIM_LEASE_MS = 30_000;

/**
 * Per order: the customer (`customer:<orderId>`), notifications waiting for it (`pending:<orderId>`),
 * one marker per template (`sent:<orderId>:<template>`: a call's claim while its channel runs, then
 * `sent`) and the sent records (`orders:<orderId>`). Each expires `retentionMs` after it was last
 * written, the customer's name and address with the rest.
 */
export class NotificationStore {
  private readonly rememberScript;
  private readonly resolveScript;
  private readonly claimScript;
  private readonly markSentScript;
  private readonly releaseScript;
  private readonly holdScript;

  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'notification',
    private readonly leaseMs = CLAIM_LEASE_MS,
    private readonly retentionMs = DEFAULT_RECORD_RETENTION_MS,
  ) {
    this.rememberScript = defineScript(redis, 2, REMEMBER_CUSTOMER_LUA);
    this.resolveScript = defineScript(redis, 2, RESOLVE_OR_DEFER_LUA);
    this.claimScript = defineScript(redis, 1, CLAIM_LUA);
    this.markSentScript = defineScript(redis, 2, MARK_SENT_LUA);
    this.releaseScript = defineScript(redis, 1, RELEASE_LUA);
    this.holdScript = defineScript(redis, 1, HOLD_LUA);
  }

  /** How long a claim lasts unless renewed. */
  get lease(): number {
    return this.leaseMs;
  }

  private keys(orderId: string) {
    return {
      customer: `${this.prefix}:customer:${orderId}`,
      pending: `${this.prefix}:pending:${orderId}`,
      list: `${this.prefix}:orders:${orderId}`,
      sent: (template: Template) => `${this.prefix}:sent:${orderId}:${template}`,
    };
  }

  /** Stores the order's customer and returns the notifications that were waiting for it. */
  async rememberCustomer(orderId: string, customer: Customer): Promise<PendingNotification[]> {
    const k = this.keys(orderId);
    const waiting = (await this.rememberScript(
      [k.customer, k.pending],
      JSON.stringify(customer),
      this.retentionMs,
    )) as string[];
    return waiting.map((json) => JSON.parse(json) as PendingNotification);
  }

  /** The customer when order.created was seen; otherwise parks the notification until it is. */
  async customerOrDefer(pending: PendingNotification): Promise<Customer | undefined> {
    const k = this.keys(pending.orderId);
    const found = await this.resolveScript(
      [k.customer, k.pending],
      pending.template,
      JSON.stringify(pending),
      this.retentionMs,
    );
    return typeof found === 'string' ? (JSON.parse(found) as Customer) : undefined;
  }

  async clearPending(orderId: string, template: Template): Promise<void> {
    await this.redis.hdel(this.keys(orderId).pending, template);
  }

  /** Claims `n`'s (order, template) for `owner` (the call) before the channel runs (see CLAIM_LUA). */
  async claim(n: Notification, owner: string): Promise<'claimed' | 'sent' | 'busy'> {
    return (await this.claimScript([this.keys(n.orderId).sent(n.template)], owner, this.leaseMs)) as
      'claimed' | 'sent' | 'busy';
  }

  /** After the channel sent it: marks it sent and lists the record; false if the claim was lost meanwhile. */
  async markSent(n: Notification, owner: string): Promise<boolean> {
    const k = this.keys(n.orderId);
    return (await this.markSentScript([k.sent(n.template), k.list], owner, JSON.stringify(n), this.retentionMs)) === 1;
  }

  /** Renews this call's claim for another lease; false once it is no longer this call's. */
  async hold(n: Notification, owner: string): Promise<boolean> {
    return (await this.holdScript([this.keys(n.orderId).sent(n.template)], owner, this.leaseMs)) === 1;
  }

  /** Gives the claim back after the channel failed, so a retry can send it. */
  async release(n: Notification, owner: string): Promise<void> {
    await this.releaseScript([this.keys(n.orderId).sent(n.template)], owner);
  }

  async list(orderId: string): Promise<Notification[]> {
    const items = await this.redis.lrange(this.keys(orderId).list, 0, -1);
    return items.map((json) => JSON.parse(json) as Notification);
  }
}
