import request from 'supertest';
import { REANNOUNCED_HEADER, buildOrderCreated, buildPaymentAuthorized, type CloudEvent } from '@checkout/contracts';
import { recordTopics, waitFor } from '../../test/support';
import { metricValue } from '../../test/support/metrics';
import { dependencyUnavailable } from '@checkout/chassis';
import type { PaymentClient, PaymentState } from '../src/clients/payment-client';
import { ExpirySweeper } from '../src/jobs/expiry-sweeper';
import { createInventoryMetrics } from '../src/metrics';
import { keys } from '../src/store/keys';
import { startInventory, type Harness } from './harness';

const TTL_MS = 200;
const GRACE_MS = 300;

let inv: Harness;
let recorder: Awaited<ReturnType<typeof recordTopics>>;

beforeAll(async () => {
  recorder = await recordTopics(['stock.reserved', 'stock.released', 'stock.updated']);
  inv = await startInventory({ ttlMs: TTL_MS, graceMs: GRACE_MS, sweepMs: 25 });
  inv.sweeper.start();
});
afterAll(async () => {
  await inv.stop();
  await recorder.stop();
});

const level = async (productId: string) => (await request(inv.app).get(`/inventory/${productId}`)).body;
const status = async (orderId: string) => (await request(inv.app).get(`/reservations/${orderId}`)).body.status;
const forOrder = (orderId: string) => (e: CloudEvent) => (e.data as { orderId?: string }).orderId === orderId;
const order = (productId: string, quantity: number) =>
  buildOrderCreated({ items: [{ productId, quantity, unitPrice: 100 }] });

describe('reservation expiry', () => {
  it('when a reservation passes expiresAt plus the grace period, then it is released with RESERVATION_EXPIRED', async () => {
    const a = await inv.product(10);
    const va = await inv.version(a);
    const o = order(a, 4);
    await inv.deliver('order.created', o);
    const reserved = await recorder.waitForEvent('stock.reserved', forOrder(o.orderId));

    const released = await recorder.waitForEvent('stock.released', forOrder(o.orderId));
    expect(released.data).toEqual({
      orderId: o.orderId,
      reason: 'RESERVATION_EXPIRED',
      levels: [{ productId: a, available: 10, version: va + 2 }],
    });
    expect(Date.parse(released.time)).toBeGreaterThanOrEqual(Date.parse(reserved.data.expiresAt) + GRACE_MS);
    expect(released.correlationId).toBe(reserved.correlationId);
    expect(await level(a)).toEqual({ productId: a, available: 10, reserved: 0, sold: 0, version: va + 2 });
    expect(await status(o.orderId)).toBe('RELEASED');
  });

  it('when payment.authorized arrives after the release, then it takes the units again and stock.updated carries the new level', async () => {
    const a = await inv.product(10);
    const va = await inv.version(a);
    const o = order(a, 4);
    await inv.deliver('order.created', o);
    await recorder.waitForEvent('stock.released', forOrder(o.orderId));
    const paid = await inv.deliver('payment.authorized', buildPaymentAuthorized({ orderId: o.orderId }));

    // The product's first stock.updated is its creation (version va).
    const updated = await recorder.waitForEvent(
      'stock.updated',
      (e) => e.subject === a && (e.data as { version: number }).version > va,
    );
    expect(updated.data).toEqual({
      productId: a,
      available: 6,
      version: va + 3,
      reason: `sold: order ${o.orderId} paid after its reservation expired`,
    });
    expect(updated.correlationId).toBe(paid.correlationId);
    // ARCHITECTURE.md: ce_id is a uuid (it was `<uuid>-<line>`): a name-based one per product.
    expect(updated.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(await level(a)).toEqual({ productId: a, available: 6, reserved: 0, sold: 4, version: va + 3 });
    expect(await status(o.orderId)).toBe('COMMITTED');
    expect((await request(inv.app).get('/metrics')).text).toMatch(/inventory_late_commits_total\{[^}]*\} [1-9]/);

    // Redelivered, it changes nothing more.
    await inv.deliver('payment.authorized', buildPaymentAuthorized({ orderId: o.orderId }));
    expect(await level(a)).toEqual({ productId: a, available: 6, reserved: 0, sold: 4, version: va + 3 });
  });

  it('when payment.authorized arrives after the release and the units are gone, then nothing changes and it is counted for a refund', async () => {
    const a = await inv.product(10);
    const b = await inv.product(10);
    const vb = await inv.version(b);
    const o = buildOrderCreated({
      items: [
        { productId: a, quantity: 4, unitPrice: 100 },
        { productId: b, quantity: 1, unitPrice: 100 },
      ],
    });
    await inv.deliver('order.created', o);
    await recorder.waitForEvent('stock.released', forOrder(o.orderId));
    // Only one line is short: all or nothing, so neither is taken.
    await inv.stock.setAvailable(a, 3, 'restock-count');
    await inv.deliver('payment.authorized', buildPaymentAuthorized({ orderId: o.orderId }));

    expect(await level(a)).toMatchObject({ available: 3, reserved: 0, sold: 0 });
    expect(await level(b)).toMatchObject({ available: 10, reserved: 0, sold: 0, version: vb + 2 });
    expect(await status(o.orderId)).toBe('RELEASED');
    expect((await request(inv.app).get('/metrics')).text).toMatch(
      /inventory_commit_rejected_total\{[^}]*status="RELEASED"[^}]*\} [1-9]/,
    );
  });

  it('when a refused late payment is delivered again after a restock, then the refusal stands: nothing is taken or counted again', async () => {
    const a = await inv.product(10);
    const o = order(a, 4);
    await inv.deliver('order.created', o);
    await recorder.waitForEvent('stock.released', forOrder(o.orderId));
    await inv.stock.setAvailable(a, 2, 'count');
    const paid = await inv.deliver('payment.authorized', buildPaymentAuthorized({ orderId: o.orderId }));
    const refusals = async () =>
      metricValue((await request(inv.app).get('/metrics')).text, 'inventory_commit_rejected_total', {
        status: 'RELEASED',
      });
    const refusedBefore = await refusals();

    // Restocked, then the broker delivers the same payment again: it was answered "no stock,
    // refund" once, so it must not now take the units (the stock change and its stock.updated are
    // one script, so an unchanged level means nothing was emitted either).
    await inv.stock.setAvailable(a, 10, 'restock');
    const restocked = await level(a);
    await inv.deliver('payment.authorized', paid.data, { id: paid.id, correlationId: paid.correlationId });

    expect(await level(a)).toEqual(restocked);
    expect(await status(o.orderId)).toBe('RELEASED');
    expect(await refusals()).toBe(refusedBefore);
  });

  const metric = async (name: string, labels: Record<string, string> = {}) =>
    metricValue((await request(inv.app).get('/metrics')).text, name, labels);

  // The commit script ran, but its answer was lost (a command that timed out on a stalled Redis),
  // and the consumer retries the same delivery: the retry must still log and count what the first
  // run did, or a late commit, or a paid order left without stock (a refund), goes unnoticed.

  /** An order of 4 units of a new product of 10, released by the sweeper before its payment came. */
  const releasedOrder = async () => {
    const productId = await inv.product(10);
    const o = order(productId, 4);
    await inv.deliver('order.created', o);
    await recorder.waitForEvent('stock.released', forOrder(o.orderId));
    return { productId, orderId: o.orderId };
  };
  /** Its payment.authorized, delivered once more by the consumer after the first run's answer was lost. */
  const payRetriedAfterLostAnswer = async (orderId: string) => {
    const commit = inv.reservations.commit.bind(inv.reservations);
    const spy = jest.spyOn(inv.reservations, 'commit').mockImplementationOnce(async (...args) => {
      await commit(...args);
      throw new Error('Command timed out');
    });
    try {
      const paid = buildPaymentAuthorized({ orderId });
      const delivery = { id: `evt-${orderId}`, deliveryId: `delivery-${orderId}` };
      await expect(inv.deliver('payment.authorized', paid, delivery)).rejects.toThrow('Command timed out');
      await inv.deliver('payment.authorized', paid, delivery);
    } finally {
      spy.mockRestore();
    }
  };

  it("when a late commit's answer is lost and the consumer retries that delivery, then the retry still counts it, and nothing is taken twice", async () => {
    const { productId, orderId } = await releasedOrder();
    const before = await metric('inventory_late_commits_total');
    await payRetriedAfterLostAnswer(orderId);

    expect(await level(productId)).toMatchObject({ available: 6, reserved: 0, sold: 4 });
    expect(await metric('inventory_late_commits_total')).toBe(before + 1);
  });

  it("when a refused late commit's answer is lost and the consumer retries that delivery, then the refusal is still counted for a refund", async () => {
    const { productId, orderId } = await releasedOrder();
    await inv.stock.setAvailable(productId, 2, 'count');
    const before = await metric('inventory_commit_rejected_total', { status: 'RELEASED' });
    await payRetriedAfterLostAnswer(orderId);

    expect(await level(productId)).toMatchObject({ available: 2, reserved: 0, sold: 0 });
    expect(await metric('inventory_commit_rejected_total', { status: 'RELEASED' })).toBe(before + 1);
  });

  it('when a reservation was committed before it expired, then the sweeper leaves it alone', async () => {
    const a = await inv.product(10);
    const committed = order(a, 2);
    await inv.deliver('order.created', committed);
    await inv.deliver('payment.authorized', buildPaymentAuthorized({ orderId: committed.orderId }));
    // A later reservation that does expire proves the sweeper has passed the committed one's expiry.
    const b = await inv.product(10);
    const later = order(b, 1);
    await inv.deliver('order.created', later);
    await recorder.waitForEvent('stock.released', forOrder(later.orderId));

    expect(recorder.events('stock.released').filter(forOrder(committed.orderId))).toEqual([]);
    expect(await level(a)).toMatchObject({ available: 8, reserved: 0, sold: 2 });
    expect(await status(committed.orderId)).toBe('COMMITTED');
  });
});

describe('ExpirySweeper.sweep', () => {
  it('when a reservation is past expiresAt but within the grace period, then it is kept; after it, released', async () => {
    const slow = await startInventory({ ttlMs: 50, graceMs: 60_000 });
    try {
      const a = await slow.product(10);
      const o = order(a, 1);
      await slow.deliver('order.created', o);

      expect(await slow.sweeper.sweep(Date.now() + 1_000)).toBe(0);
      expect((await slow.reservations.get(o.orderId))?.status).toBe('RESERVED');
      expect(await slow.sweeper.sweep(Date.now() + 61_000)).toBe(1);
      expect(await slow.sweeper.sweep(Date.now() + 61_000)).toBe(0);
      expect((await slow.stock.get(a))?.available).toBe(10);
    } finally {
      await slow.stop();
    }
  });

  /** payment-service as the sweeper sees it: a state per order ('none' unless set), or down. */
  const scriptedPayments = () => {
    const states = new Map<string, PaymentState>();
    const asked: string[] = [];
    let down = false;
    const client: PaymentClient = {
      async state(orderId) {
        asked.push(orderId);
        if (down) throw dependencyUnavailable('payment-service');
        return states.get(orderId) ?? 'none';
      },
    };
    return { client, states, asked, setDown: (d: boolean) => void (down = d) };
  };
  /** A fresh inventory whose sweeper asks `payments`; the test calls sweep itself (none is started). */
  const withPayments = async (test: (h: Harness, payments: ReturnType<typeof scriptedPayments>) => Promise<void>) => {
    const payments = scriptedPayments();
    const h = await startInventory({ ttlMs: 50, graceMs: 0, payments: payments.client });
    try {
      await test(h, payments);
    } finally {
      await h.stop();
    }
  };
  /** An order for `quantity` of a new product of 10, reserved, its payment in `state` at payment-service. */
  const reservedWithPayment = async (
    h: Harness,
    payments: ReturnType<typeof scriptedPayments>,
    quantity: number,
    state: PaymentState,
  ) => {
    const a = await h.product(10);
    const o = order(a, quantity);
    await h.deliver('order.created', o);
    payments.states.set(o.orderId, state);
    return { a, o };
  };
  const held = async (h: Harness, reason: string) =>
    metricValue(await h.metrics.registry.metrics(), 'inventory_expiry_held_total', { reason });

  it('when the payment is still pending (perhaps charging), then the expired reservation is held and looked at again; once it failed, released', () =>
    withPayments(async (h, payments) => {
      const { a, o } = await reservedWithPayment(h, payments, 3, 'pending');
      const now = Date.now() + 1_000;
      const heldBefore = await held(h, 'payment_pending');

      expect(await h.sweeper.sweep(now)).toBe(0);
      expect((await h.reservations.get(o.orderId))?.status).toBe('RESERVED');
      expect(await held(h, 'payment_pending')).toBe(heldBefore + 1);
      // Not asked again on every sweep: it is due again a second (recheckMs) later.
      expect(await h.sweeper.sweep(now + 500)).toBe(0);
      expect(payments.asked.filter((id) => id === o.orderId)).toHaveLength(1);

      payments.states.set(o.orderId, 'failed');
      expect(await h.sweeper.sweep(now + 1_000)).toBe(1);
      expect(await h.stock.get(a)).toMatchObject({ available: 10, reserved: 0, sold: 0 });
    }));

  /** Copies of the order's stock.reserved announced again, as its consumers receive them. */
  const copiesOf = async (orderId: string) => {
    const reserved = await recorder.waitForEvent('stock.reserved', forOrder(orderId));
    const copies = () =>
      recorder.messages.filter(
        (m) => m.topic === 'stock.reserved' && m.event?.id === reserved.id && m.headers[REANNOUNCED_HEADER],
      );
    return { reserved, copies };
  };
  const counted = async (h: Harness, name: string) => metricValue(await h.metrics.registry.metrics(), name);

  describe('a reservation held for a payment that stays pending (payment-service may hold the order alone, its stock.reserved dead-lettered)', () => {
    it('when its turns come, then its stock.reserved is announced again, same ce_id, marked expired:<n>: 60 s after it was first held, each wait doubling up to 10 min; after the sixth copy it is reported once', () =>
      withPayments(async (h, payments) => {
        const { a, o } = await reservedWithPayment(h, payments, 3, 'pending');
        const { reserved, copies } = await copiesOf(o.orderId);
        const before = await counted(h, 'inventory_held_reservations_announced_total');
        const exhaustedBefore = await counted(h, 'inventory_held_reservations_exhausted_total');
        const start = Date.now() + 1_000;

        expect(await h.sweeper.sweep(start)).toBe(0);
        const copied: number[] = [];
        // Each turn, and the look a second before it: a copy goes out on the turn only.
        for (const turn of [60, 180, 420, 900, 1500, 2100].map((s) => start + s * 1000)) {
          for (const at of [turn - 1_000, turn]) {
            await h.sweeper.sweep(at);
            copied.push(await counted(h, 'inventory_held_reservations_announced_total'));
          }
        }
        expect(copied.map((n) => n - before)).toEqual([0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6]);
        await waitFor(() => copies().length === 6, { what: 'six copies of the stock.reserved' });
        expect(copies().map((m) => m.headers[REANNOUNCED_HEADER])).toEqual(
          [1, 2, 3, 4, 5, 6].map((n) => `expired:${n}`),
        );
        for (const copy of copies()) expect(copy.event).toEqual(reserved);

        // The next turn, 10 min on, announces nothing and is reported once; later ones not at all.
        await h.sweeper.sweep(start + 2_699_000);
        expect(await counted(h, 'inventory_held_reservations_exhausted_total')).toBe(exhaustedBefore);
        await h.sweeper.sweep(start + 2_700_000);
        await h.sweeper.sweep(start + 9_000_000);
        expect(await counted(h, 'inventory_held_reservations_exhausted_total')).toBe(exhaustedBefore + 1);
        expect(await counted(h, 'inventory_held_reservations_announced_total')).toBe(before + 6);
        expect((await h.reservations.get(o.orderId))?.status).toBe('RESERVED');

        // The copy's payment.failed, or payment-service answering FAILED, lets the stock go.
        payments.states.set(o.orderId, 'failed');
        expect(await h.sweeper.sweep(start + 9_001_000)).toBe(1);
        expect(await h.stock.get(a)).toMatchObject({ available: 10, reserved: 0, sold: 0 });
      }));

    it('when two sweepers look at it at the same moment, then one copy goes out', () =>
      withPayments(async (h, payments) => {
        const { o } = await reservedWithPayment(h, payments, 1, 'pending');
        const before = await counted(h, 'inventory_held_reservations_announced_total');
        const start = Date.now() + 1_000;
        await h.sweeper.sweep(start);

        await Promise.all([h.sweeper.sweep(start + 60_000), h.sweeper.sweep(start + 60_000)]);
        expect(await counted(h, 'inventory_held_reservations_announced_total')).toBe(before + 1);
        expect((await h.reservations.get(o.orderId))?.status).toBe('RESERVED');
      }));

    it('when the payment is not pending, or payment-service cannot be asked, then nothing is announced again', () =>
      withPayments(async (h, payments) => {
        const before = await counted(h, 'inventory_held_reservations_announced_total');
        const start = Date.now() + 1_000;
        for (const state of ['none', 'failed', 'authorized'] as const) await reservedWithPayment(h, payments, 1, state);
        const down = await reservedWithPayment(h, payments, 1, 'pending');
        payments.setDown(true);

        for (const at of [0, 60_000, 180_000, 900_000]) await h.sweeper.sweep(start + at);
        expect(await counted(h, 'inventory_held_reservations_announced_total')).toBe(before);
        expect((await h.reservations.get(down.o.orderId))?.status).toBe('RESERVED');
      }));

    it('when the outbox is not draining (Kafka not taking what is written), then a turn that comes announces nothing until it drains', () =>
      withPayments(async (h, payments) => {
        let waitedMs = 0;
        const sweeper = new ExpirySweeper({
          reservations: h.reservations,
          graceMs: 0,
          intervalMs: 1_000,
          logger: h.logger,
          metrics: createInventoryMetrics(h.metrics),
          payments: payments.client,
          outbox: { oldestWaitMs: async () => waitedMs },
          announcements: { firstWaitMs: 60_000, longestWaitMs: 600_000, mostTimes: 6 },
        });
        await reservedWithPayment(h, payments, 1, 'pending');
        const before = await counted(h, 'inventory_held_reservations_announced_total');
        const start = Date.now() + 1_000;

        await sweeper.sweep(start);
        waitedMs = 6_000;
        for (const at of [60_000, 120_000]) await sweeper.sweep(start + at);
        expect(await counted(h, 'inventory_held_reservations_announced_total')).toBe(before);
        waitedMs = 0;
        await sweeper.sweep(start + 180_000);
        expect(await counted(h, 'inventory_held_reservations_announced_total')).toBe(before + 1);
      }));
  });

  it('when the payment is authorized, then the sweeper commits the expired reservation, and its payment.authorized, when it comes, finds it committed', () =>
    withPayments(async (h, payments) => {
      const { a, o } = await reservedWithPayment(h, payments, 2, 'authorized');
      const now = Date.now() + 1_000;
      const before = await metricValue(await h.metrics.registry.metrics(), 'inventory_expiry_commits_total');

      expect(await h.sweeper.sweep(now)).toBe(0);
      expect((await h.reservations.get(o.orderId))?.status).toBe('COMMITTED');
      expect(await h.stock.get(a)).toMatchObject({ available: 8, reserved: 0, sold: 2 });
      await h.deliver('payment.authorized', buildPaymentAuthorized({ orderId: o.orderId }));
      expect(await h.stock.get(a)).toMatchObject({ available: 8, reserved: 0, sold: 2 });
      expect(await metricValue(await h.metrics.registry.metrics(), 'inventory_expiry_commits_total')).toBe(before + 1);
    }));

  it("when a paid order's payment.authorized never reaches inventory (dead-lettered, lost with a broker), then its units stay sold after payment-service forgets the payment", () =>
    withPayments(async (h, payments) => {
      const { a, o } = await reservedWithPayment(h, payments, 3, 'authorized');
      expect(await h.sweeper.sweep(Date.now() + 2_000)).toBe(0);
      // The payment's record past its retention: GET /payments answers 404, read as never paid.
      payments.states.delete(o.orderId);
      expect(await h.sweeper.sweep(Date.now() + 20_000)).toBe(0);
      // Held instead, the reservation was released here and the paid units went back on sale.
      expect(await h.stock.get(a)).toMatchObject({ available: 7, reserved: 0, sold: 3 });
    }));

  it('when an authorized reservation is gone from Redis but still listed as expiring (a partial data loss), then the sweeper drops it instead of asking about it on every pass', () =>
    withPayments(async (h, payments) => {
      const { o } = await reservedWithPayment(h, payments, 1, 'authorized');
      await h.redis.del(keys(h.prefix).reservation(o.orderId));
      const now = Date.now() + 1_000;

      expect(await h.sweeper.sweep(now)).toBe(0);
      expect(await h.sweeper.sweep(now + 60_000)).toBe(0);
      expect(payments.asked.filter((id) => id === o.orderId)).toHaveLength(1);
      expect(await h.redis.zscore(keys(h.prefix).expiries, o.orderId)).toBeNull();
    }));

  it('when payment-service cannot be asked, then nothing is released (asked once per sweep, not once per reservation) until it answers', () =>
    withPayments(async (h, payments) => {
      const a = await h.product(10);
      const orders = [order(a, 1), order(a, 2)];
      for (const o of orders) await h.deliver('order.created', o);
      payments.setDown(true);
      const now = Date.now() + 1_000;
      const heldBefore = await held(h, 'payment_unavailable');

      expect(await h.sweeper.sweep(now)).toBe(0);
      expect(payments.asked).toHaveLength(1);
      expect(await held(h, 'payment_unavailable')).toBe(heldBefore + 2);
      expect(await h.stock.get(a)).toMatchObject({ available: 7, reserved: 3 });

      payments.setDown(false);
      expect(await h.sweeper.sweep(now + 1_000)).toBe(2);
      expect(await h.stock.get(a)).toMatchObject({ available: 10, reserved: 0 });
    }));
});
