import request from 'supertest';
import { connectRedis, createLogger, createRedis, requestWriteWindowMs, type Redis } from '@checkout/chassis';
import { buildCheckoutRequest } from '@checkout/contracts';
import { useRedisThroughProxy, waitFor } from '../../test/support';
import { OrderStore } from '../src/store/order-store';
import { startHarness, type Harness } from './harness';
import { pendingOrder } from './orders';

// The order's write ran, and its answer came after the command timeout (a slow link, a paused
// process, a disk that held Redis' reply). Answered 503, a client without an Idempotency-Key does
// what a 503 asks, sends the cart again, and has two orders, both charged (helper's review).
let h: Harness;
const through = useRedisThroughProxy('order-create-resend');
const COMMAND_TIMEOUT_MS = 1500;

let late: Redis;
let orders: OrderStore;
beforeAll(async () => {
  h = await startHarness();
  // As main wires it: the write's window is half the command timeout.
  late = createRedis(through.proxy.url, createLogger('test', 'silent'), 'late-replies', {
    commandTimeout: COMMAND_TIMEOUT_MS,
  });
  await connectRedis(late);
  orders = new OrderStore(late, h.outbox, h.prefix, requestWriteWindowMs(COMMAND_TIMEOUT_MS));
  await orders.readClock();
});
// Each test begins connected: one that left the connection down would make the next fail for that.
beforeEach(() => waitFor(() => late.status === 'ready', { what: 'the connection through the proxy' }));
afterAll(async () => {
  late?.disconnect();
  await h?.stop();
});

const storedOrders = async () => (await h.redis.keys(`${h.prefix}:order:*`)).length;

/**
 * Checkout on the store behind the proxy, with no unpaid-order cap (the default): the create script
 * is a request's one command on that connection, and after a first order Redis knows it, so it is
 * one EVALSHA. `writtenSince()`: the orders and outbox entries written since.
 */
async function warmApp() {
  const app = h.appWith({ orders, maxUnpaidOrders: 0 });
  expect((await request(app).post('/checkout').send(buildCheckoutRequest())).status).toBe(202);
  const [ordersBefore, eventsBefore] = [await storedOrders(), await h.outboxAdded()];
  const writtenSince = async () => ({
    orders: (await storedOrders()) - ordersBefore,
    events: (await h.outboxAdded()) - eventsBefore,
  });
  return { app, writtenSince };
}

describe('POST /checkout — the order written, its answer late', () => {
  it.each([
    ['without an Idempotency-Key', undefined],
    ['with an Idempotency-Key', `late-reply-${Date.now()}`],
  ])(
    'when the answer comes after the command timeout (%s), then the request learns the order was placed: 202, one order, one order.created',
    async (_, key) => {
      const { app, writtenSince } = await warmApp();
      const post = () => {
        const req = request(app).post('/checkout');
        return key ? req.set('Idempotency-Key', key) : req;
      };

      const delayed = through.proxy.delayNextReply(COMMAND_TIMEOUT_MS + 1000);
      const res = await post().send(buildCheckoutRequest());

      expect(delayed()).toBe(true);
      expect(res.status).toBe(202);
      expect(res.headers['idempotent-replayed']).toBeUndefined();
      expect(await h.redis.hget(`${h.prefix}:order:${res.body.orderId}`, 'status')).toBe('PENDING');
      expect(await writtenSince()).toEqual({ orders: 1, events: 1 });
    },
  );
});

describe('POST /checkout — the order written, its connection lost before the answer', () => {
  it('when the connection drops after the script ran and Redis is unreachable for a while, then the write sent again once it is back learns the order was placed: 202, one order', async () => {
    const { app, writtenSince } = await warmApp();

    // ioredis gives the command up after one failed reconnect, and with no offline queue the
    // write sent again at once fails too: it waits for the connection.
    const dropped = through.proxy.dropNextReply(500);
    const res = await request(app).post('/checkout').send(buildCheckoutRequest());

    expect(dropped()).toBe(true);
    expect(res.status).toBe(202);
    expect(await writtenSince()).toEqual({
      orders: 1,
      events: 1,
    });
  });
});

describe('POST /checkout — Redis stalled past the command timeout', () => {
  it.each([
    ['without an Idempotency-Key', undefined],
    ['with an Idempotency-Key', `stalled-${Date.now()}`],
  ])(
    'when the write, and the one sent again, run only after the deadline (%s), then 503, nothing stored or emitted',
    async (_, key) => {
      const { app, writtenSince } = await warmApp();

      // Both runs wait behind the stall, and run past the write's window: each answers -1.
      through.proxy.stall(COMMAND_TIMEOUT_MS + 500);
      const req = request(app).post('/checkout');
      const res = await (key ? req.set('Idempotency-Key', key) : req).send(buildCheckoutRequest());

      expect(res.status).toBe(503);
      expect(res.body.error).toBe('DEPENDENCY_UNAVAILABLE');
      expect(await writtenSince()).toEqual({ orders: 0, events: 0 });
    },
  );
});

describe('the order store — a customer at the unpaid-order cap, Redis stalled past the command timeout', () => {
  it("when the cap was reached meanwhile and the write, and the one sent again, run only after the deadline, then the cap's refusal (429), not 'expired' (503): nothing is stored either way", async () => {
    const customerId = `cap-${Date.now()}`;
    // Another order of the customer's took the last place after the request checked the cap.
    await h.redis.sadd(`${h.prefix}:unpaid:${customerId}`, 'ord_meanwhile');
    const { orderId, order, event } = pendingOrder(customerId);
    const eventsBefore = await h.outboxAdded();

    through.proxy.stall(COMMAND_TIMEOUT_MS + 500);
    expect(await orders.create(order, [event], { maxUnpaid: 1 })).toBe('too-many-unpaid');

    expect(await h.redis.exists(`${h.prefix}:order:${orderId}`)).toBe(0);
    expect(await h.outboxAdded()).toBe(eventsBefore);
  });
});

describe('POST /checkout — no connection to Redis when the order is written', () => {
  it('when the write cannot leave (no connection, no offline queue), then 503 at once, and nothing is stored once Redis is back', async () => {
    const { app, writtenSince } = await warmApp();

    through.proxy.goAway(400); // back within the wait a write sent again would make
    await waitFor(() => late.status !== 'ready', { what: 'the connection to drop' });
    const res = await request(app).post('/checkout').send(buildCheckoutRequest());
    expect(res.status).toBe(503);
    // Not sent again once the connection is back: the client was told 503, and may have left.
    await waitFor(() => late.status === 'ready', { what: 'the connection to be back', timeoutMs: 5000 });
    await late.ping();
    expect(await writtenSince()).toEqual({
      orders: 0,
      events: 0,
    });
  });
});
