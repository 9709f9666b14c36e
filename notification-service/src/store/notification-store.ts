import type { Redis } from 'ioredis';
import { defineScript } from '@checkout/chassis';
import type { Customer } from '@checkout/contracts';
import type { Notification, PendingNotification, Template } from '../domain/notification';
import { RECORD_ONCE_LUA, REMEMBER_CUSTOMER_LUA, RESOLVE_OR_DEFER_LUA, UNRECORD_LUA } from './notification-scripts';

/**
 * Per order: the customer (`customer:<orderId>`), notifications waiting for it (`pending:<orderId>`),
 * one marker per sent template (`sent:<orderId>:<template>`) and the sent records (`orders:<orderId>`).
 */
export class NotificationStore {
  private readonly rememberScript;
  private readonly resolveScript;
  private readonly recordScript;
  private readonly unrecordScript;

  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'notification',
  ) {
    this.rememberScript = defineScript(redis, 2, REMEMBER_CUSTOMER_LUA);
    this.resolveScript = defineScript(redis, 2, RESOLVE_OR_DEFER_LUA);
    this.recordScript = defineScript(redis, 2, RECORD_ONCE_LUA);
    this.unrecordScript = defineScript(redis, 2, UNRECORD_LUA);
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
    const waiting = (await this.rememberScript([k.customer, k.pending], JSON.stringify(customer))) as string[];
    return waiting.map((json) => JSON.parse(json) as PendingNotification);
  }

  /** The customer when order.created was seen; otherwise parks the notification until it is. */
  async customerOrDefer(pending: PendingNotification): Promise<Customer | undefined> {
    const k = this.keys(pending.orderId);
    const found = await this.resolveScript([k.customer, k.pending], pending.template, JSON.stringify(pending));
    return typeof found === 'string' ? (JSON.parse(found) as Customer) : undefined;
  }

  async clearPending(orderId: string, template: Template): Promise<void> {
    await this.redis.hdel(this.keys(orderId).pending, template);
  }

  /** Records the notification unless its (order, template) was recorded before; true if this call did. */
  async recordOnce(n: Notification): Promise<boolean> {
    const k = this.keys(n.orderId);
    return (await this.recordScript([k.sent(n.template), k.list], JSON.stringify(n), n.id)) === 1;
  }

  /** Takes a record back after its channel failed, so a retry can send it. */
  async unrecord(n: Notification): Promise<void> {
    const k = this.keys(n.orderId);
    await this.unrecordScript([k.sent(n.template), k.list], JSON.stringify(n));
  }

  async list(orderId: string): Promise<Notification[]> {
    const items = await this.redis.lrange(this.keys(orderId).list, 0, -1);
    return items.map((json) => JSON.parse(json) as Notification);
  }
}
