import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { createLogger } from '@checkout/chassis';
import { buildOrderConfirmed, buildOrderCreated } from '@checkout/contracts';
import { startRig, testPublisher, waitFor, type Rig, type TestConsumer } from '../../test/support';
import { createChannel } from '../src/channels';
import { createHandlers } from '../src/handlers';
import { NotificationStore } from '../src/store/notification-store';
import { Notifier } from '../src/usecases/notifier';

/**
 * ARCHITECTURE.md, "Every service": every log line carries the correlation id. The line an operator
 * looks for here ("notification sent") was written by the channel with the process' root logger, so
 * searching the logs by the id checkout answered with found the order everywhere but here. Handlers
 * now hand their context's logger to the notifier and the channel.
 */
describe('notification-service — log lines of a notification carry the correlation id', () => {
  const lines: Record<string, unknown>[] = [];
  const capture = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line));
      done();
    },
  });
  let rig: Rig;
  let consumer: TestConsumer;
  let publisher: Awaited<ReturnType<typeof testPublisher>>;

  beforeAll(async () => {
    rig = await startRig('notification-service');
    // Wired as main.ts wires it, with a logger whose lines the test can read.
    const logger = createLogger('notification-service', 'info', capture);
    const notifier = new Notifier(
      new NotificationStore(rig.redis, rig.prefix),
      createChannel({ SMTP_FROM: 'shop@example.com' }, logger),
      logger,
    );
    [consumer, publisher] = await Promise.all([
      rig.consume(createHandlers(notifier), { log: logger }),
      testPublisher(),
    ]);
  });

  afterAll(async () => {
    await Promise.all([consumer?.stop(), publisher?.stop()]);
    await rig?.stop();
  });

  it('when order.created and order.confirmed are handled, then every log line about the order names their correlation id', async () => {
    const orderId = `ord_${randomUUID()}`;
    const correlationId = `corr-${randomUUID()}`;
    const created = await publisher.publish('order.created', buildOrderCreated({ orderId }), { correlationId });
    const confirmed = await publisher.publish('order.confirmed', buildOrderConfirmed({ orderId }), { correlationId });
    await consumer.waitHandled([created.id, confirmed.id]);
    const aboutOrder = await waitFor(
      () => {
        const found = lines.filter((l) => l.orderId === orderId && l.msg === 'notification sent');
        return found.length >= 2 && found;
      },
      { what: 'both notifications to be logged' },
    );
    expect(aboutOrder.map((l) => ({ msg: l.msg, correlationId: l.correlationId }))).toEqual([
      { msg: 'notification sent', correlationId },
      { msg: 'notification sent', correlationId },
    ]);
  });
});
