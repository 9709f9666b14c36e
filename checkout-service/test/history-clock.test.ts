import request from 'supertest';
import type { HandlerContext } from '@checkout/chassis';
import { buildCheckoutRequest, buildStockReserved, createEvent } from '@checkout/contracts';
import { OrderChanges } from '../src/domain/order-changes';
import { createHandlers } from '../src/handlers';
import { OrderStore } from '../src/store/order-store';
import { startHarness, type Harness } from './harness';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  jest.useRealTimers();
  await h.stop();
});

const quiet = { info: () => undefined, warn: () => undefined, debug: () => undefined, error: () => undefined };

/**
 * Two checkout instances on two hosts: one creates the order, the other handles its next event.
 * Hosts' clocks differ (the store itself corrects for Redis' clock for this reason). The history
 * is the order's timeline as GET /orders and the SSE stream show it: its `at` must not go back.
 * It did: each step was stamped with its own host's clock.
 */
describe('order history across instances whose clocks differ', () => {
  it('when the instance that records STOCK_RESERVED runs 5 s behind the one that created the order, then history times still only move forward', async () => {
    const res = await request(h.app).post('/checkout').send(buildCheckoutRequest());
    expect(res.status).toBe(202);
    const orderId = res.body.orderId as string;

    // Instance B: a store and handlers of its own, on a host whose clock is 5 s behind.
    const handlers = createHandlers({
      orders: new OrderStore(h.redis, h.outbox, h.prefix),
      changes: new OrderChanges(),
    });
    const event = createEvent('stock.reserved', buildStockReserved({ orderId }), {
      source: '/inventory-service',
      correlationId: 'history-clock',
    });
    const ctx = { log: quiet, trace: {}, newEvent: () => undefined } as unknown as HandlerContext;
    jest.useFakeTimers({
      now: Date.now() - 5_000,
      doNotFake: [
        'setTimeout',
        'clearTimeout',
        'setInterval',
        'clearInterval',
        'setImmediate',
        'clearImmediate',
        'nextTick',
        'queueMicrotask',
        'hrtime',
        'performance',
      ],
    });
    try {
      await handlers['stock.reserved']!(event as never, ctx);
    } finally {
      jest.useRealTimers();
    }

    const { history } = (await request(h.app).get(`/orders/${orderId}`)).body as {
      history: { status: string; at: string }[];
    };
    expect(history.map((e) => e.status)).toEqual(['PENDING', 'STOCK_RESERVED']);
    expect(Date.parse(history[1]!.at)).toBeGreaterThanOrEqual(Date.parse(history[0]!.at));
  });
});
