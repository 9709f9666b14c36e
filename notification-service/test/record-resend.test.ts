import { randomUUID } from 'node:crypto';
import { createLogger } from '@checkout/chassis';
import { useRedisThroughProxy } from '../../test/support';
import type { Channel } from '../src/channels';
import type { Notification } from '../src/domain/notification';
import { NotificationStore } from '../src/store/notification-store';
import { Notifier } from '../src/usecases/notifier';

// ioredis re-sends a script whose answer a dropped connection lost, once it has reconnected. The
// re-sent RECORD_ONCE then meets the marker its own first run set: that is still this call's
// record, so the channel must run (invariant 4: each notification is sent once).
const through = useRedisThroughProxy('notification-resend');

describe("notifications — the record's answer lost on a dropped connection", () => {
  it('when the RECORD_ONCE answer is lost and ioredis re-sends it, then the notification is still sent once', async () => {
    const logger = createLogger('test', 'silent');
    const store = new NotificationStore(through.redis, `notification-resend-${randomUUID()}`);
    const sent: Notification[] = [];
    const channel: Channel = { name: 'log', send: async (n) => void sent.push(n) };
    const notifier = new Notifier(store, channel, logger);
    const pending = (orderId: string) => ({
      template: 'order-confirmed' as const,
      orderId,
      vars: { total: '100', currency: 'USD' },
    });

    // Warm-up: Redis knows the script afterwards, so the next call is one EVALSHA.
    await notifier.send(pending(`ord_${randomUUID()}`), 'ada@example.com');
    sent.length = 0;

    const orderId = `ord_${randomUUID()}`;
    const dropped = through.proxy.dropNextReply();
    await notifier.send(pending(orderId), 'ada@example.com');
    const listed = await store.list(orderId);

    expect(dropped()).toBe(true);
    expect({ channelSends: sent.length, listed: listed.length }).toEqual({ channelSends: 1, listed: 1 });
  });

  it('when Redis does not answer the sent mark (a restart), then it is tried again and the notification goes out once, not again when the lease runs out', async () => {
    const logger = createLogger('test', 'silent');
    const store = new NotificationStore(through.redis, `notification-mark-${randomUUID()}`);
    let down = 2;
    const restarting = Object.assign(Object.create(store) as NotificationStore, {
      markSent: (n: Notification, owner: string) =>
        down-- > 0 ? Promise.reject(new Error('Connection is closed.')) : store.markSent(n, owner),
    });
    const sent: Notification[] = [];
    const channel: Channel = { name: 'log', send: async (n) => void sent.push(n) };
    const notifier = new Notifier(restarting, channel, logger);
    const orderId = `ord_${randomUUID()}`;
    const pending = { template: 'order-received' as const, orderId, vars: { total: '100', currency: 'USD' } };

    await notifier.send(pending, 'ada@example.com');
    // The consumer's redelivery of the same event finds it sent.
    await notifier.send(pending, 'ada@example.com');

    expect(down).toBeLessThan(0);
    expect({ channelSends: sent.length, listed: (await store.list(orderId)).length }).toEqual({
      channelSends: 1,
      listed: 1,
    });
  });

  it('when Redis stays away past the wait for the sent mark, then the consumer retry of that delivery marks it instead of sending it again', async () => {
    const logger = createLogger('test', 'silent');
    // A 400 ms lease: the mark is waited for 200 ms, then the handler fails.
    const store = new NotificationStore(through.redis, `notification-unmarked-${randomUUID()}`, 400);
    let down = true;
    const away = Object.assign(Object.create(store) as NotificationStore, {
      markSent: (n: Notification, owner: string) =>
        down ? Promise.reject(new Error('Connection is closed.')) : store.markSent(n, owner),
    });
    const sent: Notification[] = [];
    const channel: Channel = { name: 'log', send: async (n) => void sent.push(n) };
    const notifier = new Notifier(away, channel, logger);
    const orderId = `ord_${randomUUID()}`;
    const pending = { template: 'order-confirmed' as const, orderId, vars: { total: '100', currency: 'USD' } };
    const delivery = { log: logger, deliveryId: () => 'one-delivery' };

    await expect(notifier.send(pending, 'ada@example.com', undefined, delivery)).rejects.toThrow(
      'Connection is closed',
    );
    down = false;
    await notifier.send(pending, 'ada@example.com', undefined, delivery); // the consumer's retry

    const listed = await store.list(orderId);
    expect({ channelSends: sent.length, listed: listed.length }).toEqual({ channelSends: 1, listed: 1 });
    expect(listed[0]).toEqual(sent[0]);
  });
});
