import { randomUUID } from 'node:crypto';
import { createLogger, type EventHandler } from '@checkout/chassis';
import {
  buildOrderConfirmed,
  buildOrderCreated,
  buildOrderFailed,
  createEvent,
  type EventType,
} from '@checkout/contracts';
import type { Channel } from '../src/channels';
import { createHandlers } from '../src/handlers';
import { waitFor } from '../../test/support';
import { startNotificationApp } from './harness';

/**
 * An order-failed parked before order.created must not be lost when a redelivered order.failed
 * comes while order.created's handler is sending it and the channel then fails once.
 *
 * - order.failed (payment stage) arrives first: no customer yet, it is parked in `pending`.
 * - order.created's handler gets it back (REMEMBER_CUSTOMER), claims the record and calls the
 *   channel.
 * - Meanwhile the broker redelivers order.failed: the customer is known now, so Notifier.send
 *   runs and finds the first call's claim: it used to clear the parked copy then, although nothing
 *   was sent yet; now it fails (transient) and leaves it.
 * - The channel fails: the first handler unrecords and throws, so the consumer retries
 *   order.created, which must still find order-failed parked.
 * The duplicate's handler returned normally, so its offset is committed: without the parked copy
 * order-failed was never sent (invariant 4, "each notification is sent once"; it was sent zero times).
 */
describe('a parked order-failed, a redelivered order.failed and one channel failure', () => {
  it('when the channel fails once while a duplicate is handled, then the retry still sends order-failed', async () => {
    let releaseChannel!: (fail: boolean) => void;
    let failedCalls = 0;
    const gated: Channel = {
      name: 'gated',
      async send(n) {
        if (n.template !== 'order-failed') return;
        failedCalls++;
        if (failedCalls === 1) {
          const fail = await new Promise<boolean>((r) => (releaseChannel = r));
          if (fail) throw new Error('smtp 421 try later');
        }
      },
    };
    const svc = await startNotificationApp(gated);
    try {
      const handlers = createHandlers(svc.notifier);
      const deliver = (type: EventType, data: unknown, id = randomUUID()) => {
        const event = { ...createEvent(type, data as never, { source: '/test', correlationId: 'c' }), id };
        // A new delivery each time (a redelivery is one too), as the consumer makes them.
        const delivery = randomUUID();
        const ctx = { log: createLogger('test', 'silent'), deliveryId: () => delivery };
        return (handlers[type] as EventHandler)(event, ctx as never);
      };
      const orderId = `ord_${randomUUID()}`;
      const failedId = randomUUID();
      const createdId = randomUUID();
      const failed = buildOrderFailed({ orderId, stage: 'payment' });
      const created = buildOrderCreated({ orderId });

      await deliver('order.failed', failed, failedId); // parked: no customer yet
      const first = deliver('order.created', created, createdId).then(
        () => 'ok',
        (e: Error) => e.message,
      );
      // Wait until the first handler is inside the channel with order-failed.
      await waitFor(() => releaseChannel !== undefined, { what: 'order-failed to reach the channel' });
      // The redelivery (same ce_id) finds it being sent: a transient failure, so its consumer retries.
      await expect(deliver('order.failed', failed, failedId)).rejects.toThrow('being sent by another call');
      releaseChannel(true); // the channel fails once
      expect(await first).toBe('smtp 421 try later');
      // The consumer retries the failed order.created (same event), then the redelivered order.failed.
      await deliver('order.created', created, createdId);
      await deliver('order.failed', failed, failedId);

      const sent = svc.sent.filter((n) => n.orderId === orderId).map((n) => n.template);
      expect(sent.sort()).toEqual(['order-failed', 'order-received']);
    } finally {
      await svc.stop();
    }
  });
});

describe('order.confirmed handled while order-received is being sent', () => {
  it('when order.confirmed comes while order.created is sending order-received, then order-received still goes out first', async () => {
    let releaseReceived!: () => void;
    const order: string[] = [];
    const gated: Channel = {
      name: 'gated',
      async send(n) {
        if (n.template === 'order-received') await new Promise<void>((r) => (releaseReceived = r));
        order.push(n.template);
      },
    };
    const svc = await startNotificationApp(gated);
    try {
      const handlers = createHandlers(svc.notifier);
      const deliver = (type: EventType, data: unknown) => {
        const event = createEvent(type, data as never, { source: '/test', correlationId: 'c' });
        const delivery = randomUUID();
        const ctx = { log: createLogger('test', 'silent'), deliveryId: () => delivery };
        return (handlers[type] as EventHandler)(event, ctx as never);
      };
      const orderId = `ord_${randomUUID()}`;
      const created = deliver('order.created', buildOrderCreated({ orderId }));
      await waitFor(() => releaseReceived !== undefined, { what: 'order-received to reach the channel' });
      // Handled meanwhile (another topic, another partition): it used to go out at once, first.
      await deliver('order.confirmed', buildOrderConfirmed({ orderId }));
      releaseReceived();
      await created;
      expect(order).toEqual(['order-received', 'order-confirmed']);
    } finally {
      await svc.stop();
    }
  });
});
