import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { HandlerContext } from '@checkout/chassis';
import { buildPaymentAuthorized, createEvent, type CloudEvent } from '@checkout/contracts';
import { useRedisThroughProxy } from '../../test/support';
import { metricValue } from '../../test/support/metrics';
import type { Order } from '../src/domain/order';
import { OrderChanges } from '../src/domain/order-changes';
import { createHandlers } from '../src/handlers';
import { OrderStore } from '../src/store/order-store';
import { startHarness, type Harness } from './harness';
import { pendingOrder } from './orders';

// ioredis re-sends a script whose answer a dropped connection lost, once it has reconnected. The
// re-sent TRANSITION then finds the order already moved, by its own first run: that is still this
// call's move, so the handler must do what a move does (count it, tell the status streams).
let h: Harness;
const through = useRedisThroughProxy('transition-resend');

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.stop();
});

// One delivery each: a fresh id per context, as the consumer makes one per delivery.
const contextFor = (event: CloudEvent, delivery = randomUUID()): HandlerContext => ({
  log: h.deps.logger,
  trace: { correlationId: event.correlationId, causationId: event.id },
  newEvent: (type, data) =>
    createEvent(type, data, { source: '/checkout-service', correlationId: event.correlationId }),
  deliveryId: () => delivery,
});

const confirmedTotal = async () => metricValue((await request(h.app).get('/metrics')).text, 'orders_confirmed_total');

describe("payment.authorized — the move's answer lost on a dropped connection", () => {
  it('when the TRANSITION answer is lost and ioredis re-sends it, then the move is still counted and announced', async () => {
    const orders = new OrderStore(through.redis, h.outbox, h.prefix);
    const changes = new OrderChanges();
    const handlers = createHandlers({ orders, changes, metrics: h.deps.metrics });
    const authorize = async (order: Order) => {
      const event = createEvent('payment.authorized', buildPaymentAuthorized({ orderId: order.orderId }), {
        source: '/payment-service',
        correlationId: randomUUID(),
      });
      await handlers['payment.authorized']!(event, contextFor(event));
    };
    // Created through this store, so its facts are in memory and the move is its only command;
    // the warm-up move makes Redis know the script, so the move below is one EVALSHA.
    const [warmUp, order] = [pendingOrder().order, pendingOrder().order];
    for (const o of [warmUp, order]) expect(await orders.create(o, [], { maxUnpaid: 10 })).toBe('created');
    await authorize(warmUp);
    const before = await confirmedTotal();
    let notified = 0;
    changes.subscribe(order.orderId, () => notified++);

    const dropped = through.proxy.dropNextReply();
    await authorize(order);

    expect(dropped()).toBe(true);
    expect((await h.orders.get(order.orderId))?.status).toBe('CONFIRMED');
    expect({ confirmed: (await confirmedTotal()) - before, notified }).toEqual({ confirmed: 1, notified: 1 });
  });
});
