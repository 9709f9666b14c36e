import request from 'supertest';
import { REANNOUNCED_HEADER, buildCheckoutRequest, buildPaymentFailed } from '@checkout/contracts';
import { defineScript, type Metrics } from '@checkout/chassis';
import { recordTopics, testPublisher, waitFor } from '../../test/support';
import { metricValue } from '../../test/support/metrics';
import { Reannouncer } from '../src/jobs/reannouncer';
import { OrderStore } from '../src/store/order-store';
import { REANNOUNCE_LUA } from '../src/store/reannounce-lua';
import { invalidAnswer, validAnswer } from './fake-validation';
import { startHarness, type Harness } from './harness';

// A broker that loses its log loses an order.created, or the answers to it, after checkout's outbox
// saw it acknowledged: the order would stay open for good. Checkout announces it again.
const FIRST_WAIT_MS = 300;
let h: Harness;
let pub: Awaited<ReturnType<typeof testPublisher>>;
let recorder: Awaited<ReturnType<typeof recordTopics>>;

beforeAll(async () => {
  [h, pub, recorder] = await Promise.all([
    startHarness({ consume: true, reannounceAfterMs: FIRST_WAIT_MS }),
    testPublisher(),
    recordTopics(['order.created']),
  ]);
});
afterAll(async () => {
  await Promise.all([pub.stop(), recorder.stop()]);
  await h.stop();
});

const copies = (orderId: string) => recorder.messages.filter((m) => m.event?.subject === orderId);
const place = async () => (await request(h.app).post('/checkout').send(buildCheckoutRequest())).body.orderId as string;
const orderKey = (orderId: string) => `${h.prefix}:order:${orderId}`;
/** Passes run by the test (runOnce), not on a timer. */
const reannouncer = (mostTimes: number, longestWaitMs = 60_000) =>
  new Reannouncer({
    orders: h.orders,
    firstWaitMs: FIRST_WAIT_MS,
    longestWaitMs,
    mostTimes,
    logger: h.deps.logger,
    metrics: h.deps.metrics,
  });
const announcedNow = async (orderId: string, mostTimes = 8) =>
  (await h.orders.reannounceDue(60_000, mostTimes)).again.find((o) => o.orderId === orderId);
const metric = async (name: string) => metricValue((await request(h.app).get('/metrics')).text, name);

describe('re-announcing orders that stopped moving', () => {
  it('when an open order gets no answer, then its order.created is announced again, marked, after the first wait, then after twice as long, and never once it ended', async () => {
    const placedAt = Date.now();
    const orderId = await place();
    await waitFor(() => copies(orderId).length === 1, { what: 'order.created' });

    // Redis schedules the next one from its clock while it answers a call: no earlier than the
    // call was made, no later than its answer arrived. The bounds below use each on its safe side.
    let askedAt = 0;
    const first = await waitFor(
      () => {
        askedAt = Date.now();
        return announcedNow(orderId);
      },
      { what: 'the first re-announcement' },
    );
    expect(Date.now() - placedAt).toBeGreaterThanOrEqual(FIRST_WAIT_MS);
    expect(first).toEqual({ orderId, times: 1, last: false });
    // Not due again before twice the first wait (asked at once: the copy's trip below takes time).
    expect(await announcedNow(orderId)).toBeUndefined();
    await waitFor(() => copies(orderId).length === 2, { what: 'order.created again' });
    const [original, again] = copies(orderId);
    // The same event (same ce_id), marked so that services which answered it answer again.
    expect(again!.event).toEqual(original!.event);
    expect(original!.headers[REANNOUNCED_HEADER]).toBeUndefined();
    expect(again!.headers[REANNOUNCED_HEADER]).toBe('1');

    const second = await waitFor(() => announcedNow(orderId), { what: 'the second re-announcement' });
    expect(second.times).toBe(2);
    expect(Date.now() - askedAt).toBeGreaterThanOrEqual(2 * FIRST_WAIT_MS);
    const res = await request(h.appWith({ adminToken: 'ops' }))
      .get('/admin/orders/open?olderThanS=0&limit=1000')
      .set('authorization', 'Bearer ops');
    expect(res.body.items.find((o: { orderId: string }) => o.orderId === orderId)).toMatchObject({
      status: 'PENDING',
      reannounced: 2,
    });

    await pub.publish('payment.failed', buildPaymentFailed({ orderId }));
    await waitFor(async () => (await h.orders.get(orderId))?.status === 'FAILED', { what: 'FAILED' });
    // What was kept to announce it again (with the payment token it carries) goes with its end.
    expect(await h.redis.hexists(orderKey(orderId), 'announcement')).toBe(0);
    expect(await h.redis.zscore(`${h.prefix}:reannounce`, orderId)).toBeNull();
  });

  it('when an order is still open after its last re-announcement, then it is left to an operator: counted, out of the schedule, its announcement dropped, still listed open', async () => {
    const exhaustedBefore = await metric('orders_reannounce_exhausted_total');
    const announcedBefore = await metric('orders_reannounced_total');
    const orderId = await place();
    const job = reannouncer(2, FIRST_WAIT_MS);
    await waitFor(
      async () => {
        await job.runOnce();
        return (await metric('orders_reannounce_exhausted_total')) > exhaustedBefore || undefined;
      },
      { what: 'the last re-announcement' },
    );

    await waitFor(() => copies(orderId).length === 3, { what: 'the order.created and its two copies' });
    expect(copies(orderId).map((m) => m.headers[REANNOUNCED_HEADER])).toEqual([undefined, '1', '2']);
    expect(await metric('orders_reannounced_total')).toBeGreaterThanOrEqual(announcedBefore + 2);
    expect(await h.redis.hexists(orderKey(orderId), 'announcement')).toBe(0);
    expect(await h.redis.zscore(`${h.prefix}:reannounce`, orderId)).toBeNull();
    expect(await h.redis.zscore(`${h.prefix}:open`, orderId)).not.toBeNull();
    expect((await h.orders.get(orderId))?.status).toBe('PENDING');
  });

  it('when an ended order is still on the schedule (ended by an instance older than the schedule, mid-upgrade), then it is not announced again and leaves it', async () => {
    const orderId = await place();
    await pub.publish('payment.failed', buildPaymentFailed({ orderId }));
    await waitFor(async () => (await h.orders.get(orderId))?.status === 'FAILED', { what: 'FAILED' });
    // What the older transition script left: the order in the schedule, its announcement kept.
    await h.redis.zadd(`${h.prefix}:reannounce`, 0, orderId);
    await h.redis.hset(orderKey(orderId), 'announcement', '{"topic":"order.created"}');

    expect((await h.orders.reannounceDue(60_000, 8)).again.find((o) => o.orderId === orderId)).toBeUndefined();
    expect(await h.redis.zscore(`${h.prefix}:reannounce`, orderId)).toBeNull();
    expect(await h.redis.hexists(orderKey(orderId), 'announcement')).toBe(0);
  });

  it('when the same call runs the script again (ioredis re-sends one whose answer a dropped connection lost), then it answers what the first run did and sends nothing more', async () => {
    const orderId = await place();
    const script = defineScript<(string | number)[]>(h.redis, 3, REANNOUNCE_LUA);
    const keys = [orderKey(orderId), h.outbox.stream, `${h.prefix}:reannounce`];
    await h.redis.zadd(`${h.prefix}:reannounce`, 0, orderId); // due now
    const added = await h.outboxAdded();

    // The last time (most 1): the re-run must still say so, or the operator is never told.
    expect(await script(keys, orderId, FIRST_WAIT_MS, 60_000, 1, 'call-1')).toEqual([1, 1]);
    expect(await script(keys, orderId, FIRST_WAIT_MS, 60_000, 1, 'call-1')).toEqual([1, 1]);
    expect(await h.outboxAdded()).toBe(added + 1);
    // Another call finds it out of the schedule.
    expect(await script(keys, orderId, FIRST_WAIT_MS, 60_000, 1, 'call-2')).toEqual([0, 0]);
    expect(await h.outboxAdded()).toBe(added + 1);
  });

  it('when re-announcing is off, or the order is refused at validation, then nothing is kept to announce again', async () => {
    const off = await startHarness({ reannounceAfterMs: 0 });
    try {
      const res = await request(off.app).post('/checkout').send(buildCheckoutRequest());
      expect(res.status).toBe(202);
      expect(await off.redis.hexists(`${off.prefix}:order:${res.body.orderId}`, 'announcement')).toBe(0);
      expect(await off.redis.zcard(`${off.prefix}:reannounce`)).toBe(0);
    } finally {
      await off.stop();
    }
    h.fake.answerWith(invalidAnswer([{ code: 'EMPTY_CART', message: 'the cart has no items' }]));
    try {
      const refused = await request(h.app).post('/checkout').send(buildCheckoutRequest());
      expect(refused.status).toBe(422);
      expect(await h.redis.hexists(orderKey(refused.body.orderId), 'announcement')).toBe(0);
      expect(await h.redis.zscore(`${h.prefix}:reannounce`, refused.body.orderId)).toBeNull();
    } finally {
      h.fake.answerWith(validAnswer);
    }
  });

  it('when the outbox is not draining (Kafka not taking what is written), then no pass announces anything, nor for one first wait after it drained', async () => {
    let waited = 60_000;
    const reannounceDue = jest.fn(async () => ({ again: [], failed: 0 }));
    const job = new Reannouncer({
      orders: { outboxWaitMs: async () => waited, reannounceDue } as unknown as OrderStore,
      firstWaitMs: FIRST_WAIT_MS,
      longestWaitMs: 60_000,
      mostTimes: 8,
      logger: h.deps.logger,
      metrics: h.deps.metrics as Metrics,
    });
    expect(await job.runOnce()).toBe(0);
    expect(reannounceDue).not.toHaveBeenCalled();

    // Drained: the orders accepted meanwhile just had their events sent; copies would follow them.
    waited = 0;
    const drainedAt = Date.now();
    await job.runOnce();
    expect(reannounceDue).not.toHaveBeenCalled();
    await waitFor(
      async () => {
        await job.runOnce();
        return reannounceDue.mock.calls.length > 0 || undefined;
      },
      { what: 'a pass after the quiet time' },
    );
    expect(Date.now() - drainedAt).toBeGreaterThanOrEqual(FIRST_WAIT_MS - 50);
  });
});
