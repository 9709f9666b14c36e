import { randomUUID } from 'node:crypto';
import request from 'supertest';
import {
  MAX_QUANTITY,
  buildOrderCreated,
  buildPaymentAuthorized,
  buildPaymentFailed,
  type CloudEvent,
  REANNOUNCED_HEADER,
} from '@checkout/contracts';
import { recordTopics, waitFor } from '../../test/support';
import { metricValue } from '../../test/support/metrics';
import { ADMIN_TOKEN, startInventory, type Harness } from './harness';

let inv: Harness;
let recorder: Awaited<ReturnType<typeof recordTopics>>;

beforeAll(async () => {
  recorder = await recordTopics(['stock.reserved', 'stock.failed', 'stock.released']);
  inv = await startInventory();
});
afterAll(async () => {
  await inv.stop();
  await recorder.stop();
});

const level = async (productId: string) => (await request(inv.app).get(`/inventory/${productId}`)).body;
const reservation = async (orderId: string) => (await request(inv.app).get(`/reservations/${orderId}`)).body;
const line = (productId: string, quantity: number) => ({ productId, quantity, unitPrice: 100 });
const forOrder = (orderId: string) => (e: CloudEvent) => (e.data as { orderId?: string }).orderId === orderId;
const eventsFor = (orderId: string, type: 'stock.reserved' | 'stock.failed' | 'stock.released') =>
  recorder.events(type).filter(forOrder(orderId));

/** Reserves an order and waits until its stock.reserved is on Kafka. */
const reserved = async (items: ReturnType<typeof line>[]) => {
  const order = buildOrderCreated({ items });
  await inv.deliver('order.created', order);
  await recorder.waitForEvent('stock.reserved', forOrder(order.orderId));
  return order;
};

describe('order.created', () => {
  it('when every line is in stock, then it reserves them and emits stock.reserved with the new levels', async () => {
    const a = await inv.product(10);
    const b = await inv.product(4);
    const [va, vb] = [await inv.version(a), await inv.version(b)];
    const order = buildOrderCreated({ items: [line(a, 3), line(b, 4)] });
    const before = Date.now();
    const sent = await inv.deliver('order.created', order);

    const event = await recorder.waitForEvent('stock.reserved', forOrder(order.orderId));
    expect(event.data).toMatchObject({
      orderId: order.orderId,
      items: [
        { productId: a, quantity: 3 },
        { productId: b, quantity: 4 },
      ],
      levels: [
        { productId: a, available: 7, version: va + 1 },
        { productId: b, available: 0, version: vb + 1 },
      ],
    });
    const expiresAt = Date.parse(event.data.expiresAt);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 900_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 900_000);
    expect(event.correlationId).toBe(sent.correlationId);
    expect(event.subject).toBe(order.orderId);
    expect(await level(a)).toEqual({ productId: a, available: 7, reserved: 3, sold: 0, version: va + 1 });
    expect(await level(b)).toEqual({ productId: b, available: 0, reserved: 4, sold: 0, version: vb + 1 });
    expect(await reservation(order.orderId)).toMatchObject({ status: 'RESERVED', expiresAt: event.data.expiresAt });
  });

  it('when one line is short, then nothing is reserved and stock.failed lists the shortage', async () => {
    const a = await inv.product(10);
    const b = await inv.product(1);
    const [va, vb] = [await inv.version(a), await inv.version(b)];
    const order = buildOrderCreated({ items: [line(a, 2), line(b, 2)] });
    await inv.deliver('order.created', order);

    const event = await recorder.waitForEvent('stock.failed', forOrder(order.orderId));
    expect(event.data).toEqual({
      orderId: order.orderId,
      code: 'INSUFFICIENT_STOCK',
      reason: expect.stringContaining(b),
      shortages: [{ productId: b, requested: 2, available: 1 }],
    });
    expect(await level(a)).toMatchObject({ available: 10, reserved: 0, version: va });
    expect(await level(b)).toMatchObject({ available: 1, reserved: 0, version: vb });
    expect(await reservation(order.orderId)).toMatchObject({ status: 'FAILED', code: 'INSUFFICIENT_STOCK' });
  });

  it('when a product is unknown, then stock.failed says UNKNOWN_PRODUCT with available 0', async () => {
    const a = await inv.product(10);
    const order = buildOrderCreated({ items: [line(a, 1), line('no-such-sku', 2)] });
    await inv.deliver('order.created', order);

    const event = await recorder.waitForEvent('stock.failed', forOrder(order.orderId));
    expect(event.data).toMatchObject({
      code: 'UNKNOWN_PRODUCT',
      shortages: [{ productId: 'no-such-sku', requested: 2, available: 0 }],
    });
    expect(await level(a)).toMatchObject({ available: 10, reserved: 0 });
  });

  it('when a product is on several lines, then the summed quantity is reserved and checked', async () => {
    const a = await inv.product(5);
    const va = await inv.version(a);
    const fits = await reserved([line(a, 2), line(a, 3)]);
    expect(eventsFor(fits.orderId, 'stock.reserved')[0]?.data).toMatchObject({
      items: [{ productId: a, quantity: 5 }],
      levels: [{ productId: a, available: 0, version: va + 1 }],
    });

    const b = await inv.product(5);
    const tooMany = buildOrderCreated({ items: [line(b, 3), line(b, 3)] });
    await inv.deliver('order.created', tooMany);
    const failed = await recorder.waitForEvent('stock.failed', forOrder(tooMany.orderId));
    expect(failed.data.shortages).toEqual([{ productId: b, requested: 6, available: 5 }]);
  });

  it('when lines of one product sum to more than one order may hold, then it fails INSUFFICIENT_STOCK whatever the level', async () => {
    // stock.reserved could not carry such an item (its schema caps it at MAX_QUANTITY): reserving
    // would dead-letter the event with the units held and the order left PENDING.
    const a = await inv.product(1);
    await request(inv.app)
      .put(`/inventory/${a}`)
      .set({ Authorization: `Bearer ${ADMIN_TOKEN}` })
      .send({ available: 3 * MAX_QUANTITY })
      .expect(200);
    const half = MAX_QUANTITY / 2 + 1;
    const order = buildOrderCreated({ items: [line(a, half), line(a, half)] });
    await inv.deliver('order.created', order);

    const failed = await recorder.waitForEvent('stock.failed', forOrder(order.orderId));
    expect(failed.data).toMatchObject({
      code: 'INSUFFICIENT_STOCK',
      shortages: [{ productId: a, requested: 2 * half, available: 3 * MAX_QUANTITY }],
    });
    expect(await level(a)).toMatchObject({ available: 3 * MAX_QUANTITY, reserved: 0 });
  });

  it('when order.created is redelivered (same or new ce_id), then nothing is reserved or emitted again', async () => {
    const a = await inv.product(10);
    const va = await inv.version(a);
    const order = buildOrderCreated({ items: [line(a, 2)] });
    const first = await inv.deliver('order.created', order);
    await inv.deliver('order.created', order, { id: first.id });
    await inv.deliver('order.created', order);
    // Events of one order share a partition key and leave the outbox in order: once the release is
    // seen, a second stock.reserved written before it would most likely have been seen too.
    await inv.deliver('payment.failed', buildPaymentFailed({ orderId: order.orderId }));
    await recorder.waitForEvent('stock.released', forOrder(order.orderId));

    expect(eventsFor(order.orderId, 'stock.reserved')).toHaveLength(1);
    expect(await level(a)).toMatchObject({ available: 10, reserved: 0, version: va + 2 });
  });

  it('when a failed order is redelivered, then it still fails without touching stock', async () => {
    const a = await inv.product(1);
    const order = buildOrderCreated({ items: [line(a, 2)] });
    await inv.deliver('order.created', order);
    await request(inv.app)
      .put(`/inventory/${a}`)
      .set({ Authorization: `Bearer ${ADMIN_TOKEN}` })
      .send({ available: 5 });
    await inv.deliver('order.created', order);

    expect(await reservation(order.orderId)).toMatchObject({ status: 'FAILED' });
    expect(await level(a)).toMatchObject({ available: 5, reserved: 0 });
  });
});

describe('order.created announced again by checkout (no answer reached it)', () => {
  const copiesOf = (orderId: string, type: 'stock.reserved' | 'stock.failed') =>
    recorder.messages.filter((m) => m.topic === type && m.event?.subject === orderId);

  it('when the order was reserved, then the same stock.reserved is announced again, carrying the mark, and no level moves', async () => {
    const a = await inv.product(10);
    const va = await inv.version(a);
    const order = await reserved([line(a, 2)]);
    await inv.deliver('order.created', order, { reannounced: '1' });

    // Repeated (a broker that lost the answer lost it for every consumer), not made again: one
    // event, one ce_id, which its consumers dedupe; the mark tells payment to repeat its own.
    const [once, again] = await waitFor(
      () =>
        copiesOf(order.orderId, 'stock.reserved').length === 2 ? copiesOf(order.orderId, 'stock.reserved') : undefined,
      { what: 'stock.reserved again' },
    );
    expect(again!.event).toEqual(once!.event);
    expect(again!.headers[REANNOUNCED_HEADER]).toBe('1');
    expect((once!.event!.data as { levels: unknown }).levels).toEqual([
      { productId: a, available: 8, version: va + 1 },
    ]);
    expect(await level(a)).toMatchObject({ available: 8, reserved: 2, version: va + 1 });
    const metrics = (await request(inv.app).get('/metrics')).text;
    expect(metricValue(metrics, 'inventory_reservations_total', { outcome: 'REANNOUNCED' })).toBeGreaterThanOrEqual(1);
  });

  it('when the order failed for stock, then its stock.failed is announced again, stock untouched', async () => {
    const a = await inv.product(1);
    const order = buildOrderCreated({ items: [line(a, 2)] });
    await inv.deliver('order.created', order);
    await inv.deliver('order.created', order, { reannounced: '2' });

    const [once, again] = await waitFor(
      () =>
        copiesOf(order.orderId, 'stock.failed').length === 2 ? copiesOf(order.orderId, 'stock.failed') : undefined,
      { what: 'stock.failed again' },
    );
    expect(again!.event).toEqual(once!.event);
    expect(again!.headers[REANNOUNCED_HEADER]).toBe('2');
    expect(await level(a)).toMatchObject({ available: 1, reserved: 0 });
  });

  it('when the reservation was made before answers were kept (no event on it), then nothing is announced and nothing moves', async () => {
    const a = await inv.product(10);
    const order = await reserved([line(a, 1)]);
    await inv.redis.hdel(`${inv.prefix}:reservation:${order.orderId}`, 'event');
    const before = await level(a);

    const again = await inv.reservations.reserve(order.orderId, [{ productId: a, quantity: 1 }], {
      ttlMs: 60_000,
      correlationId: 'again',
      reannounced: '1',
    });
    expect(again).toEqual({ outcome: 'DUPLICATE' });
    expect(await level(a)).toEqual(before);
  });

  it('when the reservation already ended (committed), then stock.reserved is announced again and no level moves', async () => {
    const a = await inv.product(10);
    const order = await reserved([line(a, 1)]);
    await inv.deliver('payment.authorized', buildPaymentAuthorized({ orderId: order.orderId }));
    await waitFor(async () => (await reservation(order.orderId)).status === 'COMMITTED', { what: 'the commit' });
    const before = await level(a);
    await inv.deliver('order.created', order, { reannounced: '1' });

    await waitFor(() => copiesOf(order.orderId, 'stock.reserved').length === 2, { what: 'stock.reserved again' });
    expect(await level(a)).toEqual(before);
    expect(await reservation(order.orderId)).toMatchObject({ status: 'COMMITTED' });
  });
});

describe('payment.authorized', () => {
  it('when the reservation is RESERVED, then the reserved units become sold, and the level stays as stock.reserved announced it', async () => {
    const a = await inv.product(10);
    const va = await inv.version(a);
    const order = await reserved([line(a, 3)]);
    await inv.deliver('payment.authorized', buildPaymentAuthorized({ orderId: order.orderId }));

    // `available` did not change, so its version did not either: the stock cache, which got the
    // level from stock.reserved, shows the same version as GET /inventory.
    expect(await level(a)).toEqual({ productId: a, available: 7, reserved: 0, sold: 3, version: va + 1 });
    expect(await reservation(order.orderId)).toMatchObject({ status: 'COMMITTED' });
  });

  it('when it is redelivered, then it commits only once', async () => {
    const a = await inv.product(10);
    const va = await inv.version(a);
    const order = await reserved([line(a, 3)]);
    await inv.deliver('payment.authorized', buildPaymentAuthorized({ orderId: order.orderId }));
    await inv.deliver('payment.authorized', buildPaymentAuthorized({ orderId: order.orderId }));
    expect(await level(a)).toMatchObject({ available: 7, reserved: 0, sold: 3, version: va + 1 });
    // Told apart from a first commit, so the handler logs it as a redelivery, not as a commit.
    expect(await inv.reservations.commit(order.orderId, { correlationId: 'again' })).toBe('ALREADY_COMMITTED');
  });

  it('when the reservation was released because its payment failed, then nothing changes and the rejection is counted', async () => {
    const a = await inv.product(10);
    const va = await inv.version(a);
    const order = await reserved([line(a, 3)]);
    await inv.deliver('payment.failed', buildPaymentFailed({ orderId: order.orderId }));
    await inv.deliver('payment.authorized', buildPaymentAuthorized({ orderId: order.orderId }));

    expect(await level(a)).toMatchObject({ available: 10, reserved: 0, sold: 0, version: va + 2 });
    expect(await reservation(order.orderId)).toMatchObject({ status: 'RELEASED' });
    const metrics = (await request(inv.app).get('/metrics')).text;
    expect(metrics).toMatch(/inventory_commit_rejected_total\{[^}]*status="RELEASED"[^}]*\} [1-9]/);
  });

  it('when the reservation is unknown, then nothing changes', async () => {
    const orderId = `ord_${randomUUID()}`;
    await inv.deliver('payment.authorized', buildPaymentAuthorized({ orderId }));
    expect((await request(inv.app).get(`/reservations/${orderId}`)).status).toBe(404);
  });
});

describe('payment.failed', () => {
  it('when the reservation is RESERVED, then its stock is released and stock.released carries the levels', async () => {
    const a = await inv.product(10);
    const b = await inv.product(10);
    const [va, vb] = [await inv.version(a), await inv.version(b)];
    const order = await reserved([line(a, 3), line(b, 1)]);
    const sent = await inv.deliver(
      'payment.failed',
      buildPaymentFailed({ orderId: order.orderId, code: 'INVALID_CARD' }),
    );

    const event = await recorder.waitForEvent('stock.released', forOrder(order.orderId));
    expect(event.data).toEqual({
      orderId: order.orderId,
      reason: 'payment failed: INVALID_CARD',
      levels: [
        { productId: a, available: 10, version: va + 2 },
        { productId: b, available: 10, version: vb + 2 },
      ],
    });
    expect(event.correlationId).toBe(sent.correlationId);
    expect(await level(a)).toEqual({ productId: a, available: 10, reserved: 0, sold: 0, version: va + 2 });
    expect(await reservation(order.orderId)).toMatchObject({ status: 'RELEASED' });
  });

  it('when payment.failed is delivered again, then the release is counted once and nothing moves', async () => {
    const a = await inv.product(10);
    const va = await inv.version(a);
    const order = await reserved([line(a, 3)]);
    const releases = async () =>
      metricValue((await request(inv.app).get('/metrics')).text, 'inventory_releases_total', {
        reason: 'payment_failed',
      });
    const before = await releases();
    const failed = await inv.deliver('payment.failed', buildPaymentFailed({ orderId: order.orderId }));
    for (let i = 0; i < 2; i++)
      await inv.deliver('payment.failed', failed.data, { id: failed.id, correlationId: failed.correlationId });

    expect(await level(a)).toEqual({ productId: a, available: 10, reserved: 0, sold: 0, version: va + 2 });
    expect((await releases()) - before).toBe(1);
  });

  it('when the reservation was committed, then nothing is released', async () => {
    const a = await inv.product(10);
    const va = await inv.version(a);
    const order = await reserved([line(a, 3)]);
    await inv.deliver('payment.authorized', buildPaymentAuthorized({ orderId: order.orderId }));
    await inv.deliver('payment.failed', buildPaymentFailed({ orderId: order.orderId }));
    await inv.deliver('payment.failed', buildPaymentFailed({ orderId: order.orderId }));

    expect(await level(a)).toMatchObject({ available: 7, reserved: 0, sold: 3, version: va + 1 });
    expect(await reservation(order.orderId)).toMatchObject({ status: 'COMMITTED' });
  });
});

describe('retention (RECORD_RETENTION_MS)', () => {
  const KAFKA_DEFAULT_RETENTION_MS = 7 * 86_400_000;
  const pttl = (orderId: string) => inv.redis.pttl(`${inv.prefix}:reservation:${orderId}`);

  it('when a reservation ends (committed, released or failed), then it expires after the retention; one RESERVED is kept until it ends', async () => {
    const a = await inv.product(10);
    const committed = await reserved([line(a, 1)]);
    const released = await reserved([line(a, 1)]);
    expect(await pttl(committed.orderId)).toBe(-1);
    await inv.deliver('payment.authorized', buildPaymentAuthorized({ orderId: committed.orderId }));
    await inv.deliver('payment.failed', buildPaymentFailed({ orderId: released.orderId }));
    const failed = buildOrderCreated({ items: [line(a, 100)] });
    await inv.deliver('order.created', failed);

    for (const order of [committed, released, failed]) {
      // Longer than Kafka keeps what it could redeliver: a redelivery still finds the record.
      expect(await pttl(order.orderId)).toBeGreaterThan(KAFKA_DEFAULT_RETENTION_MS);
    }
    expect((await reservation(failed.orderId)).status).toBe('FAILED');
  });
});
