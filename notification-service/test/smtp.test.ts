import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { AppError, createLogger, type Logger } from '@checkout/chassis';
import { buildOrderCreated } from '@checkout/contracts';
import { recordTopics, startRig, testPublisher, waitFor } from '../../test/support';
import type { Channel } from '../src/channels';
import { smtpChannel } from '../src/channels/smtp-channel';
import type { Notification, PendingNotification } from '../src/domain/notification';
import { startNotificationApp } from './harness';
import { fakeSmtp, freePort } from './fake-smtp';
import { NotificationStore } from '../src/store/notification-store';
import { Notifier } from '../src/usecases/notifier';

/**
 * Invariant 4, "each notification is sent once": with SMTP_URL set, an SMTP server that is
 * down for a couple of seconds must delay notifications, not lose them.
 *
 * nodemailer reports a refused connection as `code: 'ESOCKET'` (it overwrites ECONNREFUSED), and
 * temporary SMTP replies (421/450/451) as EENVELOPE/EMESSAGE/ECONNECTION; the consumer took the
 * outage for the message's fault: 5 attempts in ~1.5 s, then the event was dead-lettered and its
 * notification never sent. The channel now answers such failures as a 503, which is retried.
 */

describe('notifications — the SMTP server is down for a moment', () => {
  it('when SMTP refuses connections for a few seconds, then order-received is sent once it is back, not dead-lettered', async () => {
    const port = await freePort();
    const smtp = smtpChannel(
      `smtp://127.0.0.1:${port}`,
      'Checkout <no-reply@example.com>',
      createLogger('t', 'silent'),
    );
    // The broker is shared with other suites: only this order goes to the SMTP server (the others'
    // would queue before it while the server is down), and only its attempts count.
    const orderId = `ord_${randomUUID()}`;
    let attempts = 0;
    const counting: Channel = {
      name: smtp.name,
      async send(n, message, log) {
        if (n.orderId !== orderId) return;
        attempts++;
        await smtp.send(n, message, log);
      },
    };
    const svc = await startNotificationApp(counting);
    const dlq = await recordTopics(['dlq.notification-service']);
    const publisher = await testPublisher();
    const { server, delivered } = fakeSmtp();
    try {
      const consumer = await svc.consume();
      const created = await publisher.publish('order.created', buildOrderCreated({ orderId }));
      const deadLettered = () => dlq.messages.some((m) => m.headers.ce_id === created.id);

      // The outage lasts until the consumer has retried more than its non-transient budget (5), or
      // has given up on the event: either is observable, no fixed sleep.
      await waitFor(() => attempts >= 6 || deadLettered(), { what: 'the outage to outlast 5 attempts' });
      await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));

      await waitFor(async () => (await svc.store.list(orderId)).length === 1, {
        timeoutMs: 10_000,
        what: `order-received of ${orderId} to be sent once SMTP is back (dead-lettered: ${deadLettered()}, attempts: ${attempts})`,
      });
      expect(deadLettered()).toBe(false);
      expect(delivered).toHaveLength(1);
      await consumer.stop();
    } finally {
      await new Promise((r) => server.close(r));
      await Promise.all([dlq.stop(), publisher.stop()]);
      await svc.stop();
    }
  }, 40_000);
});

/**
 * A server's temporary refusal of one recipient (452 4.2.2 mailbox full, for as long as it stays
 * full) was taken as the server being away: a 503, retried without end, and the consumer's fetches
 * wait for that batch, so one full mailbox held back every customer's notifications, with
 * readiness green and nothing dead-lettered (review).
 */
describe("notifications — one customer's mailbox is full (452 at RCPT TO, for good)", () => {
  it("when one recipient is refused for now, then that notification is dead-lettered after the consumer's retries, and another customer's is sent", async () => {
    const port = await freePort();
    const { server, delivered } = fakeSmtp({
      rcptReply: (address) => (address.startsWith('full') ? `452 4.2.2 <${address}>: Mailbox full` : undefined),
    });
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
    const smtp = smtpChannel(
      `smtp://127.0.0.1:${port}`,
      'Checkout <no-reply@example.com>',
      createLogger('t', 'silent'),
    );
    const [fullOrder, okOrder] = [`ord_${randomUUID()}`, `ord_${randomUUID()}`];
    // Only this test's orders go to the SMTP server.
    const channel: Channel = {
      name: smtp.name,
      async send(n, message, log) {
        if (n.orderId === fullOrder || n.orderId === okOrder) await smtp.send(n, message, log);
      },
    };
    const svc = await startNotificationApp(channel);
    const dlq = await recordTopics(['dlq.notification-service']);
    const publisher = await testPublisher();
    try {
      const consumer = await svc.consume();
      const full = await publisher.publish(
        'order.created',
        buildOrderCreated({ orderId: fullOrder, customer: { id: 'c-full', name: 'Full', email: 'full@example.com' } }),
      );
      await publisher.publish(
        'order.created',
        buildOrderCreated({ orderId: okOrder, customer: { id: 'c-ok', name: 'Ok', email: 'ok@example.com' } }),
      );
      await waitFor(() => dlq.messages.some((m) => m.headers.ce_id === full.id), {
        timeoutMs: 30_000,
        what: 'the full mailbox to be dead-lettered',
      });
      await waitFor(async () => (await svc.store.list(okOrder)).length === 1, {
        timeoutMs: 15_000,
        what: "the other customer's order-received to be sent",
      });
      expect(delivered.filter((d) => d.includes(okOrder))).toHaveLength(1);
      expect(await svc.store.list(fullOrder)).toEqual([]);
      await consumer.stop();
    } finally {
      await new Promise((r) => server.close(r));
      await Promise.all([dlq.stop(), publisher.stop()]);
      await svc.stop();
    }
  }, 60_000);
});

/**
 * Invariant 4 again, no crash involved: a live instance whose SMTP transaction took longer than the
 * claim's lease (30 s) lost its claim while it was still sending, and a second caller of the same
 * (order, template) (the other instance after a rebalance, a duplicate, or order.created releasing
 * the parked copy) claimed and sent it too. The sender now renews its claim while the channel
 * runs. Here the server takes the first message and answers its 250 three leases later (a content
 * scan or a slow relay does this).
 */
/** The claim lease, short here (30 s in the service) so that a send can outlast it quickly. */
const LEASE_MS = 1500;

describe('notifications — an SMTP send outlasting the claim lease, two callers', () => {
  it('when the first send takes three leases to be acknowledged, then the customer still gets order-confirmed once', async () => {
    const rig = await startRig('notification-service');
    const port = await freePort();
    const { server, delivered } = fakeSmtp({ holdReplyMs: (n) => (n === 1 ? 3 * LEASE_MS : 0) });
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
    const logger = createLogger('t', 'silent');
    // Two instances of the service: their own Notifier and channel, one Redis and prefix.
    const instance = () =>
      new Notifier(
        new NotificationStore(rig.redis, rig.prefix, LEASE_MS),
        smtpChannel(`smtp://127.0.0.1:${port}`, 'Checkout <no-reply@example.com>', logger),
        logger,
      );
    const a = instance();
    const b = instance();
    const orderId = `ord_${randomUUID()}`;
    const pending: PendingNotification = {
      template: 'order-confirmed',
      orderId,
      vars: { total: '1000', currency: 'USD' },
    };
    try {
      const first = a.send(pending, 'ada@example.com');
      await waitFor(() => delivered.length === 1, { what: "instance A's message to reach the SMTP server" });

      // Instance B handles the same (order, template), retried as the consumer retries a transient
      // error (NOTIFICATION_IN_FLIGHT, 503) until it returns.
      for (;;) {
        try {
          await b.send(pending, 'ada@example.com');
          break;
        } catch (err) {
          if (!(err instanceof AppError && err.code === 'NOTIFICATION_IN_FLIGHT')) throw err;
          await delay(LEASE_MS / 5);
        }
      }
      await first;

      expect({ emailsTaken: delivered.length }).toEqual({ emailsTaken: 1 });
    } finally {
      await new Promise((r) => server.close(r));
      await rig.stop();
    }
  }, 30_000);
});

/**
 * Mails order-received for ada.lovelace@example.com to a server that refuses every recipient (its
 * reply `rejection`'s text, or a real server's), logging to `logger`; answers the channel's error.
 */
async function refusedSend(
  logger: Logger,
  rejection?: (address: string) => string,
  rcptReply?: (address: string) => string,
): Promise<Error | undefined> {
  const port = await freePort();
  const { server } = fakeSmtp({
    rejectRecipients: true,
    ...(rejection ? { rejection } : {}),
    ...(rcptReply ? { rcptReply } : {}),
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  const channel = smtpChannel(`smtp://127.0.0.1:${port}`, 'Checkout <no-reply@example.com>', logger);
  const notification: Notification = {
    id: randomUUID(),
    orderId: `ord_${randomUUID()}`,
    channel: channel.name,
    to: 'ada.lovelace@example.com',
    template: 'order-received',
    subject: 'Order received',
    sentAt: new Date().toISOString(),
  };
  try {
    return await channel.send(notification, { subject: 'Order received', text: 'Thank you' }, logger).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
  } finally {
    await new Promise((r) => server.close(r));
  }
}

describe('notifications — a temporary refusal at RCPT TO: the mailbox, or the server', () => {
  it.each([
    ['452 4.2.2 Mailbox full', "the recipient's own failure (retried, then dead-lettered)", false],
    ['450 4.2.1 Mailbox disabled for now', "the recipient's own failure (retried, then dead-lettered)", false],
    ['450 4.7.1 Error: too many recipients from [127.0.0.1]', "the server's: a 503, retried until it takes mail", true],
    [
      '450 4.1.8 <no-reply@example.com>: Sender address rejected: Domain not found',
      "the server's: a 503, retried until it takes mail",
      true,
    ],
    ['452 4.3.1 Insufficient system storage', "the server's: a 503, retried until it takes mail", true],
    ['451 4.3.0 Temporary lookup failure', "the server's: a 503, retried until it takes mail", true],
  ])('when RCPT TO is answered %s, then it is %s', async (reply, _whose, serverWide) => {
    const err = await refusedSend(createLogger('t', 'silent'), undefined, () => reply);
    expect(err).toBeInstanceOf(Error);
    expect(err instanceof AppError && err.status === 503).toBe(serverWide);
  });
});

describe('notifications — the SMTP server refuses the recipient', () => {
  it('when the refusal names the address, then neither the error nor its log line carries it', async () => {
    const lines: string[] = [];
    const logger = createLogger('t', 'info', { write: (line: string) => void lines.push(line) });
    const err = await refusedSend(logger);
    // A permanent refusal (5xx): not a 503, so the consumer dead-letters it after its attempts.
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(AppError);
    expect(err).toMatchObject({ responseCode: 550, message: expect.stringContaining('a***@example.com') });
    logger.error({ err }, 'handler failed');
    // Everything of the error a log line or a dead letter's dlq-error header could take.
    const seen = JSON.stringify({ ...err, message: err?.message, stack: err?.stack }) + lines.join('');
    expect(seen).toContain('Recipient address rejected');
    expect(seen).not.toContain('ada.lovelace');
  });

  it("when the server's refusal is long, then the error keeps its first 1000 characters, addresses masked", async () => {
    // A long reply with no @ made the address pattern quadratic: 20 KB took seconds to mask. The
    // address straddles where the message is cut: masked all the same.
    const err = await refusedSend(
      createLogger('t', 'silent'),
      (address) => `${'y'.repeat(930)} <${address}> refused: ${'x'.repeat(20_000)}`,
    );
    expect(err).toMatchObject({ responseCode: 550, message: expect.stringContaining('a***@') });
    expect(err!.message.length).toBeLessThanOrEqual(1001);
    expect(err!.message).not.toMatch(/ada\.|lovelace/);
  });
});

describe('notifications — sent again after a crash', () => {
  it('when one (order, template) is mailed twice (a crash between the send and its record), then both carry one Message-ID, which mail systems use to drop the copy', async () => {
    const port = await freePort();
    const { server, delivered } = fakeSmtp();
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
    const logger = createLogger('t', 'silent');
    const channel = smtpChannel(`smtp://127.0.0.1:${port}`, 'Checkout <no-reply@shop.example>', logger);
    const orderId = `ord_${randomUUID()}`;
    // Each send is a new record (its own id and time), as the one after a crash is.
    const notification = (template: Notification['template']): Notification => ({
      id: randomUUID(),
      orderId,
      channel: channel.name,
      to: 'ada@example.com',
      template,
      subject: 'Your order',
      sentAt: new Date().toISOString(),
    });
    const message = { subject: 'Your order', text: 'Thank you' };
    try {
      for (const template of ['order-confirmed', 'order-confirmed', 'order-failed'] as const) {
        await channel.send(notification(template), message, logger);
      }
      const ids = delivered.map((d) => /^message-id:\s*(\S+)/im.exec(d)?.[1]);
      expect(ids).toEqual([
        `<order-confirmed.${orderId}@shop.example>`,
        `<order-confirmed.${orderId}@shop.example>`,
        `<order-failed.${orderId}@shop.example>`,
      ]);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
