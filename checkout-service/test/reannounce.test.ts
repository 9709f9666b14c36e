import request from 'supertest';
import { buildCheckoutRequest, buildPaymentFailed } from '@checkout/contracts';
import { recordTopics, testPublisher, waitFor } from '../../test/support';
import { metricValue } from '../../test/support/metrics';
import { Reannouncer } from '../src/jobs/reannouncer';
import { startHarness, type Harness } from './harness';

// A broker that loses its log loses an order.created, or the answers to it, after checkout's outbox
// saw it acknowledged: the order would stay open for good. Checkout announces it again.
const FIRST_WAIT_MS = 300;
let h: Harness;
let pub: Awaited<ReturnType<typeof testPublisher>>;
let recorder: Awaited<ReturnType<typeof recordTopics>>;
let reannouncer: Reannouncer;

beforeAll(async () => {
  [h, pub, recorder] = await Promise.all([
    startHarness({ consume: true }),
    testPublisher(),
    recordTopics(['order.created']),
  ]);
  // Passes are run by the tests (runOnce), not on a timer.
  reannouncer = new Reannouncer({
    orders: h.orders,
    firstWaitMs: FIRST_WAIT_MS,
    longestWaitMs: 60_000,
    logger: h.deps.logger,
    metrics: h.deps.metrics,
  });
});
afterAll(async () => {
  await Promise.all([pub.stop(), recorder.stop()]);
  await h.stop();
});

const announcements = (orderId: string) => recorder.events('order.created').filter((e) => e.subject === orderId);
const place = async () => (await request(h.app).post('/checkout').send(buildCheckoutRequest())).body.orderId as string;
const reannouncedNow = async (orderId: string) =>
  (await h.orders.reannounceStuck(FIRST_WAIT_MS, 60_000)).find((o) => o.orderId === orderId);

describe('re-announcing orders that stopped moving', () => {
  it('when an open order gets no answer, then the same order.created is announced again after the first wait, then after twice as long, and never once it ended', async () => {
    const placedAt = Date.now();
    const orderId = await place();
    await waitFor(() => announcements(orderId).length === 1, { what: 'order.created' });

    const first = await waitFor(() => reannouncedNow(orderId), { what: 'the first re-announcement' });
    const firstAt = Date.now();
    expect(first.times).toBe(1);
    expect(firstAt - placedAt).toBeGreaterThanOrEqual(FIRST_WAIT_MS);
    await waitFor(() => announcements(orderId).length === 2, { what: 'order.created again' });
    const [original, again] = announcements(orderId);
    // The same event (same ce_id): consumers that had it dedupe it, ones that lost it get it.
    expect(again).toEqual(original);

    // Not due again before twice the first wait.
    expect(await reannouncedNow(orderId)).toBeUndefined();
    const second = await waitFor(() => reannouncedNow(orderId), { what: 'the second re-announcement' });
    expect(second.times).toBe(2);
    expect(Date.now() - firstAt).toBeGreaterThanOrEqual(2 * FIRST_WAIT_MS);
    const res = await request(h.appWith({ adminToken: 'ops' }))
      .get('/admin/orders/open?olderThanS=0&limit=1000')
      .set('authorization', 'Bearer ops');
    expect(res.body.items.find((o: { orderId: string }) => o.orderId === orderId)).toMatchObject({
      status: 'PENDING',
      reannounced: 2,
    });

    await pub.publish('payment.failed', buildPaymentFailed({ orderId }));
    await waitFor(async () => (await h.orders.get(orderId))?.status === 'FAILED', { what: 'FAILED' });
    // What was kept to announce it again is dropped with the order's end.
    expect(await h.redis.hexists(`${h.prefix}:order:${orderId}`, 'announcement')).toBe(0);
    expect(await h.redis.zscore(`${h.prefix}:open`, orderId)).toBeNull();
    expect(await reannouncedNow(orderId)).toBeUndefined();
  });

  it('when a pass re-announces orders, then it counts them on /metrics', async () => {
    const metric = async () => metricValue((await request(h.app).get('/metrics')).text, 'orders_reannounced_total');
    const before = await metric();
    const orderId = await place();
    const count = await waitFor(async () => (await reannouncer.runOnce()) || undefined, { what: 'a pass' });
    expect(count).toBeGreaterThanOrEqual(1);
    expect(await metric()).toBe(before + count);
    await waitFor(() => announcements(orderId).length === 2, { what: 'order.created again' });
  });
});
