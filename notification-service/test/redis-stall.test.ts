import { randomUUID } from 'node:crypto';
import { createLogger } from '@checkout/chassis';
import { buildOrderConfirmed, buildOrderCreated } from '@checkout/contracts';
import { startRig, testPublisher, useOwnRedis, waitFor } from '../../test/support';
import type { Channel } from '../src/channels';
import type { Notification } from '../src/domain/notification';
import { createHandlers } from '../src/handlers';
import { NotificationStore } from '../src/store/notification-store';
import { Notifier } from '../src/usecases/notifier';

/**
 * A Redis stall (SIGSTOP, a hung host) while a notification is being claimed. ioredis fails the
 * claim after REDIS_COMMAND_TIMEOUT_MS ("Command timed out", transient), so the consumer retries the
 * event; but the stalled script is still in the socket and runs when Redis resumes, claiming the
 * notification for the first call, which has given up. The marker once held that call's id for
 * good, every retry took it for someone else's and returned: the notification was listed as sent
 * and never sent (invariant 4). Then a claim got a lease, and the retry sent once it ran out (30 s
 * late). Now the claim's owner is the delivery, so the retry takes its own claim again at once.
 * (record-resend.test.ts covers ioredis re-sending the same call.)
 */
describe('notifications — Redis stalls while one is claimed', () => {
  const own = useOwnRedis('notification-stall-test');
  let rig: Awaited<ReturnType<typeof startRig>>;
  let publisher: Awaited<ReturnType<typeof testPublisher>>;

  beforeAll(async () => {
    rig = await startRig('notification-service');
    publisher = await testPublisher();
  });
  afterAll(async () => {
    await publisher?.stop();
    await rig?.stop();
  });

  it("when Redis stalls while order-confirmed is claimed, until the claim times out, then the consumer's retry takes its own claim again and sends it once", async () => {
    const sent: Notification[] = [];
    const channel: Channel = { name: 'log', send: async (n) => void sent.push(n) };
    const prefix = `notification-stall-${randomUUID()}`;
    let stallNext = false;
    let stalled = false;
    const answers: string[] = [];
    const orderId = `ord_${randomUUID()}`;
    // The stall begins exactly when the claim is issued (as a host that hangs at that moment). Only
    // this order's: the consumer also gets the events other test files publish meanwhile.
    class StallingStore extends NotificationStore {
      override async claim(n: Notification, owner: string) {
        if (n.orderId !== orderId || n.template !== 'order-confirmed') return super.claim(n, owner);
        if (stallNext) {
          stallNext = false;
          stalled = true;
          own.server.freeze();
          // A safety net only, far past the timeout: should the claim fail some other way, the test
          // fails on its assertions instead of hanging with Redis frozen.
          setTimeout(() => own.server.thaw(), 15_000).unref();
        }
        const answer = await super.claim(n, owner).catch((err: Error) => {
          answers.push(err.message);
          // Redis resumes once the claim has timed out, however long that took: its script, still in
          // the socket, runs then.
          if (err.message === 'Command timed out') own.server.thaw();
          throw err;
        });
        answers.push(answer);
        return answer;
      }
    }
    // A lease far longer than the wait below: a retry that found the claim someone else's would
    // wait it out.
    const store = new StallingStore(own.redis, prefix, 120_000);
    const notifier = new Notifier(store, channel, createLogger('test', 'silent'));
    const consumer = await rig.consume(createHandlers(notifier));
    try {
      const created = await publisher.publish('order.created', buildOrderCreated({ orderId }));
      await consumer.waitHandled([created.id]);
      stallNext = true;
      const confirmed = await publisher.publish('order.confirmed', buildOrderConfirmed({ orderId }));
      // The real consumer retries the transient "Command timed out" until the handler succeeds.
      await waitFor(() => consumer.handled.includes(confirmed.id), {
        what: 'order.confirmed handled',
        timeoutMs: 20_000,
      });
      expect(stalled).toBe(true);
      // The stalled claim timed out, its script ran when Redis resumed, and the retry found it its own.
      // (More than one timeout if the consumer retried while Redis was still stalled.)
      expect(answers[0]).toBe('Command timed out');
      expect(answers.filter((a) => a !== 'Command timed out')).toEqual(['claimed']);
      const listed = (await store.list(orderId)).filter((n) => n.template === 'order-confirmed');
      const channelSends = sent.filter((n) => n.orderId === orderId && n.template === 'order-confirmed');
      expect({ listed: listed.length, channelSends: channelSends.length }).toEqual({ listed: 1, channelSends: 1 });
    } finally {
      await consumer.stop();
    }
  }, 40_000);
});
