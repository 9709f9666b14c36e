import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Customer } from '@checkout/contracts';
import type { Channel } from '../channels';
import type { Notification, PendingNotification } from '../domain/notification';
import { render } from '../domain/templates';
import type { NotificationStore } from '../store/notification-store';

/**
 * Sends each (order, template) once. The record is claimed before the channel runs and taken back
 * if the channel fails, so a retry sends it; a crash in between loses that one message rather
 * than sending it twice.
 */
export class Notifier {
  constructor(
    private readonly store: NotificationStore,
    private readonly channel: Channel,
    private readonly logger: Logger,
  ) {}

  /** Sends now if the customer is known, else parks it for order.created to release. */
  async notifyCustomer(pending: PendingNotification): Promise<void> {
    const customer = await this.store.customerOrDefer(pending);
    if (!customer) {
      this.logger.debug({ orderId: pending.orderId, template: pending.template }, 'notification waits for its order');
      return;
    }
    await this.send(pending, customer.email, customer);
  }

  /** Called with order.created: what it brings, then whatever was waiting for it. */
  async onCustomerKnown(orderId: string, customer: Customer, first: PendingNotification): Promise<void> {
    const waiting = await this.store.rememberCustomer(orderId, customer);
    for (const p of [first, ...waiting]) await this.send(p, customer.email, customer);
  }

  async send(p: PendingNotification, to: string, customer?: Customer): Promise<void> {
    const message = render({ ...p, vars: { ...p.vars, ...(customer ? { name: customer.name } : {}) } });
    const n: Notification = {
      id: randomUUID(),
      orderId: p.orderId,
      channel: this.channel.name,
      to,
      template: p.template,
      subject: message.subject,
      sentAt: new Date().toISOString(),
    };
    // Sent, or being sent by another call: that call clears what waited, once it has sent. Were this
    // one to clear it, a channel failure there would leave its retry (order.created's) nothing to send.
    if (!(await this.store.recordOnce(n))) return;
    try {
      await this.channel.send(n, message);
    } catch (err) {
      await this.store.unrecord(n);
      throw err;
    }
    await this.store.clearPending(p.orderId, p.template);
  }
}
