import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { buildOrderCreated } from '@checkout/contracts';
import type { Channel } from '../src/channels';
import { startNotificationApp } from './harness';

describe('a channel failure while the claim cannot be released', () => {
  it("when the channel fails and releasing the claim fails too, then the channel's error is what the call throws, and the release is logged", async () => {
    const refused: Channel = {
      name: 'refusing',
      send: () => Promise.reject(new Error('smtp 554 mailbox unavailable')),
    };
    const svc = await startNotificationApp(refused);
    try {
      const lines: { level: number; msg: string; err?: { message: string } }[] = [];
      const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
      // Redis gone between the send and the release.
      svc.store.release = () => Promise.reject(new Error('Connection is closed.'));
      const { orderId, customer } = buildOrderCreated({ orderId: `ord_${randomUUID()}` });
      const delivery = randomUUID();

      const sent = svc.notifier.send({ orderId, template: 'order-received', vars: {} }, customer.email, customer, {
        log,
        deliveryId: () => delivery,
      });

      await expect(sent).rejects.toThrow('smtp 554 mailbox unavailable');
      expect(lines).toContainEqual(
        expect.objectContaining({
          level: 40,
          msg: 'could not release a notification claim',
          err: expect.objectContaining({ message: 'Connection is closed.' }),
        }),
      );
    } finally {
      await svc.stop();
    }
  });
});
