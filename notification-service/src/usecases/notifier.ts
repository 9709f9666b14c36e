import { randomUUID } from 'node:crypto';
import { AppError, retryWhileTransient, type HandlerContext, type Logger } from '@checkout/chassis';
import type { Customer } from '@checkout/contracts';
import type { Channel } from '../channels';
import type { Notification, PendingNotification } from '../domain/notification';
import { render } from '../domain/templates';
import type { NotificationStore } from '../store/notification-store';

/**
 * Who is sending: the handler's logger, and its delivery's id, which owns the claims the call takes.
 * A handler passes its own context, so the consumer's retry of a delivery whose claim did run but
 * whose answer was lost (a Redis command that timed out) takes the claim again at once, instead of
 * finding it someone else's until its lease runs out. Without one, each call is its own owner.
 */
export type Caller = Pick<HandlerContext, 'log' | 'deliveryId'>;

/**
 * Sends each (order, template) once. A call claims it before its channel runs, with a lease, and
 * marks it sent after; a failed channel gives the claim back, so the retry sends it. While another
 * call's claim is live the handler fails with a transient error, so the consumer retries until
 * that call has sent it (then nothing is left to do) or its lease ran out (then this one sends):
 * a claim left by a crash, or by another delivery's claim that timed out on a stalled Redis and
 * ran late, holds a notification back for one lease at most, never for good (the same delivery's
 * retry takes its own claim again at once: Caller). Redis not answering the `sent` mark is
 * waited out (markSent), and past that remembered, so the retry marks it instead of sending it. A
 * crash between the channel and the `sent` mark sends it a second time after the lease (by email
 * with the first one's Message-ID, which mail systems use to drop the copy).
 */
export class Notifier {
  /**
   * What this process's channel sent and Redis did not mark sent (down for longer than markSent
   * waits), by order and template: the next call for it (the consumer's retry, a redelivery) marks
   * it instead of sending it again. Lost with the process, which then sends it a second time, as
   * after a crash there. The oldest go first past UNMARKED_KEPT.
   */
  private readonly unmarked = new Map<string, Notification>();

  constructor(
    private readonly store: NotificationStore,
    private readonly channel: Channel,
    private readonly logger: Logger,
  ) {}

  /** Sends now if the customer is known, else parks it for order.created to release. */
  async notifyCustomer(pending: PendingNotification, caller: Caller = this.ownCall()): Promise<void> {
    const customer = await this.store.customerOrDefer(pending);
    if (!customer) {
      caller.log.debug({ orderId: pending.orderId, template: pending.template }, 'notification waits for its order');
      return;
    }
    await this.send(pending, customer.email, customer, caller);
  }

  /**
   * Called with order.created: what it brings, then whatever was waiting for it. The customer is
   * remembered only once `first` is sent: until then an order.confirmed handled meanwhile waits
   * for it (and comes back in `waiting`), so order-received never arrives after order-confirmed.
   */
  async onCustomerKnown(
    orderId: string,
    customer: Customer,
    first: PendingNotification,
    caller: Caller = this.ownCall(),
  ): Promise<void> {
    await this.send(first, customer.email, customer, caller);
    const waiting = await this.store.rememberCustomer(orderId, customer);
    for (const p of waiting) await this.send(p, customer.email, customer, caller);
  }

  async send(p: PendingNotification, to: string, customer?: Customer, caller: Caller = this.ownCall()): Promise<void> {
    const { log } = caller;
    const owner = caller.deliveryId();
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
    const claim = await this.store.claim(n, owner);
    const key = `${p.orderId}\n${p.template}`;
    // Sent before: whoever sent it cleared what waited for it.
    if (claim === 'sent') {
      this.unmarked.delete(key);
      return;
    }
    // Another call is sending it. Not cleared here: a channel failure there would leave its retry
    // (order.created's) nothing to send.
    if (claim === 'busy') {
      throw new AppError('NOTIFICATION_IN_FLIGHT', 503, `${p.template} of ${p.orderId} is being sent by another call`);
    }
    // A slow channel (an SMTP server taking its time to acknowledge) must not outlive the claim:
    // another call would take it and send the notification again while this one is still sending.
    const warnOf = (msg: string) => (err: unknown) => log.warn({ err, orderId: p.orderId, template: p.template }, msg);
    const renew = setInterval(
      () => void this.store.hold(n, owner).catch(warnOf('could not renew the claim on a notification being sent')),
      Math.max(1, Math.floor(this.store.lease / 3)),
    );
    const sentBefore = this.unmarked.get(key);
    let marked: boolean;
    try {
      if (sentBefore) log.info({ orderId: p.orderId, template: p.template }, 'sent before: marking it sent');
      else {
        try {
          await this.channel.send(n, message, log);
        } catch (err) {
          // The channel's failure is what the retry and the dead letter must name, not the release's
          // (its claim then lapses after the lease).
          await this.store.release(n, owner).catch(warnOf('could not release a notification claim'));
          throw err;
        }
      }
      const sent = sentBefore ?? n;
      marked = await this.markSent(sent, owner).catch((err: unknown) => {
        this.unmarked.set(key, sent);
        if (this.unmarked.size > UNMARKED_KEPT) this.unmarked.delete(this.unmarked.keys().next().value as string);
        throw err;
      });
    } finally {
      clearInterval(renew);
    }
    this.unmarked.delete(key);
    if (!marked) {
      log.warn({ orderId: p.orderId, template: p.template }, 'sent after its claim ran out: it may go out twice');
      return;
    }
    await this.store.clearPending(p.orderId, p.template);
  }

  /**
   * Marks a sent notification sent. Redis not answering then (a restart, a stall) is waited out
   * while the claim lasts, renewed meanwhile; past that the handler fails, and its retry marks it
   * (`unmarked`) rather than send it again.
   */
  private markSent(n: Notification, owner: string): Promise<boolean> {
    const giveUpAt = Date.now() + this.store.lease / 2;
    return retryWhileTransient(() => this.store.markSent(n, owner), {
      everyMs: MARK_RETRY_MS,
      giveUpAt: () => giveUpAt,
    });
  }

  /** A call from outside a handler (tests, scripts): its own owner, the service's logger. */
  private ownCall(): Caller {
    const owner = randomUUID();
    return { log: this.logger, deliveryId: () => owner };
  }
}

/** How many sent and unmarked notifications `unmarked` keeps at most. */
const UNMARKED_KEPT = 10_000;

/** How often marking a sent notification is tried again while Redis does not answer. */
const MARK_RETRY_MS = 200;
