import { randomUUID } from 'node:crypto';
import request from 'supertest';
import {
  buildOrderCreated,
  buildPaymentAuthorized,
  buildPaymentFailed,
  buildStockFailed,
  buildStockReserved,
  createEvent,
  toKafkaRecord,
  REANNOUNCED_HEADER,
} from '@checkout/contracts';
import { recordTopics, waitFor } from '../../test/support';
import { startFakeGateway } from './fake-gateway';
import { startPaymentService } from './harness';
import { expiredAwaitingEvent } from '../src/usecases/payment-events';

let gateway: Awaited<ReturnType<typeof startFakeGateway>>;
type Service = Awaited<ReturnType<typeof startPaymentService>>;
let service: Service;
let recorder: Awaited<ReturnType<typeof recordTopics>>;
let publisher: Service['publisher'];

beforeAll(async () => {
  gateway = await startFakeGateway();
  [service, recorder] = await Promise.all([
    startPaymentService(gateway.url),
    recordTopics(['payment.authorized', 'payment.failed']),
  ]);
  publisher = service.publisher;
});

afterAll(async () => {
  await Promise.all([service?.stop(), recorder?.stop()]);
  await gateway?.stop();
});

const newOrderId = () => `ord_${randomUUID()}`;
const outcomes = (orderId: string) =>
  recorder.messages.filter((m) => m.event?.subject === orderId && m.topic.startsWith('payment.'));
const payment = async (orderId: string) => (await request(service.app).get(`/payments/${orderId}`)).body;
/**
 * Queues a marker on each outcome topic in the service's outbox, keyed like the order's outcome so
 * it lands on the same partition behind anything written before it, and waits until both arrived:
 * from then on the recorder holds every outcome the order got.
 */
const outcomesSettled = async (orderId: string) => {
  const meta = { source: '/test', correlationId: 'marker' };
  const markers = [
    createEvent('payment.authorized', buildPaymentAuthorized(), meta),
    createEvent('payment.failed', buildPaymentFailed(), meta),
  ];
  for (const m of markers)
    await service.redis.xadd(service.outbox.stream, '*', 'r', JSON.stringify({ ...toKafkaRecord(m), key: orderId }));
  service.outbox.kick();
  await waitFor(() => markers.every((m) => recorder.messages.some((r) => r.event?.id === m.id)), {
    what: 'the markers queued behind the outcome',
  });
};

/** A charge of 1500 USD the gateway authorized for the order, made as a worker that died would have. */
async function chargedEarlier(orderId: string) {
  const charged = await fetch(`${gateway.url}/v1/charges`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': orderId },
    body: JSON.stringify({ amount: 1500, currency: 'USD', source: 'tok_visa', orderId }),
  });
  expect(charged.status).toBe(201);
}

describe('order.created + stock.reserved', () => {
  it('when the order arrives before the reservation, then it is charged once and payment.authorized follows', async () => {
    const orderId = newOrderId();
    const correlationId = randomUUID();
    await publisher.publish('order.created', buildOrderCreated({ orderId, total: 4321, currency: 'EUR' }), {
      correlationId,
    });
    await waitFor(async () => (await payment(orderId)).status === 'PENDING', { what: 'the order to be held' });
    await publisher.publish('stock.reserved', buildStockReserved({ orderId }));

    const authorized = await recorder.waitForEvent('payment.authorized', (e) => e.data.orderId === orderId);
    expect(authorized.data).toEqual({
      orderId,
      paymentId: `ch_${orderId}`,
      amount: 4321,
      currency: 'EUR',
      attempts: 1,
    });
    expect(authorized.correlationId).toBe(correlationId);
    await service.authorizerIdle();
    expect(gateway.callsFor(orderId)).toEqual([
      expect.objectContaining({ idempotencyKey: orderId, amount: 4321, source: 'tok_visa' }),
    ]);
    expect(await payment(orderId)).toEqual({
      orderId,
      status: 'AUTHORIZED',
      paymentId: `ch_${orderId}`,
      amount: 4321,
      currency: 'EUR',
      attempts: 1,
    });
    // The token is kept only until the charge is decided.
    expect(await service.redis.hget(`${service.prefix}:payments:${orderId}`, 'token')).toBeNull();
  });

  it('when the reservation arrives before the order, then it is charged once all the same', async () => {
    const orderId = newOrderId();
    await publisher.publish('stock.reserved', buildStockReserved({ orderId }));
    await waitFor(async () => (await payment(orderId)).status === 'PENDING', { what: 'the reservation to be held' });
    await publisher.publish('order.created', buildOrderCreated({ orderId }));

    await recorder.waitForEvent('payment.authorized', (e) => e.data.orderId === orderId);
    await service.authorizerIdle();
    expect(gateway.callsFor(orderId)).toHaveLength(1);
  });

  it('when both events are delivered again, then nothing is charged or emitted a second time; a stock.reserved announced again repeats the same outcome', async () => {
    const orderId = newOrderId();
    const created = await publisher.publish('order.created', buildOrderCreated({ orderId }));
    const reserved = await publisher.publish('stock.reserved', buildStockReserved({ orderId }));
    await recorder.waitForEvent('payment.authorized', (e) => e.data.orderId === orderId);

    const again = [
      await publisher.publish('order.created', created.data, { id: created.id }),
      await publisher.publish('stock.reserved', reserved.data, { id: reserved.id }),
      await publisher.publish('stock.reserved', reserved.data),
      // Checkout re-announced the order and inventory repeated its answer (REANNOUNCED_HEADER).
      await publisher.publish('stock.reserved', reserved.data, {
        id: reserved.id,
        headers: { [REANNOUNCED_HEADER]: '1' },
      }),
    ];
    await waitFor(
      () =>
        service.handled.filter((id) => id === created.id || id === reserved.id).length === 5 &&
        service.handled.includes(again[2]!.id),
      {
        what: 'the redeliveries to be handled',
      },
    );
    // Handled only means the charges were started: wait until none is running, then until the
    // outbox has published what they wrote (markers queued behind it, on the order's partition).
    await service.authorizerIdle();
    await outcomesSettled(orderId);
    expect(gateway.callsFor(orderId)).toHaveLength(1);
    // Plain redeliveries repeat nothing; the re-announced stock.reserved repeats the one outcome
    // (same ce_id, same data): a broker that lost the first lost it for every consumer.
    const announced = outcomes(orderId).map((m) => m.event);
    expect(announced).toHaveLength(2);
    expect(announced.every((e) => e!.type === 'payment.authorized')).toBe(true);
    expect(new Set(announced.map((e) => JSON.stringify(e))).size).toBe(1);
    expect((await payment(orderId)).status).toBe('AUTHORIZED');
  });

  it.each([
    ['by checkout', '1'],
    ['by inventory, for a reservation it held while the payment was pending', 'expired:1'],
  ])(
    'when a failed payment gets its stock.reserved announced again %s, then payment.failed is announced again and nothing is charged',
    async (_, mark) => {
      const orderId = newOrderId();
      await publisher.publish(
        'order.created',
        buildOrderCreated({ orderId, payment: { token: 'tok_insufficient_funds' } }),
      );
      const reserved = await publisher.publish('stock.reserved', buildStockReserved({ orderId }));
      const failed = await recorder.waitForEvent('payment.failed', (e) => e.data.orderId === orderId);

      await publisher.publish('stock.reserved', reserved.data, {
        id: reserved.id,
        headers: { [REANNOUNCED_HEADER]: mark },
      });
      await waitFor(() => outcomes(orderId).length === 2, { what: 'payment.failed announced again' });
      await service.authorizerIdle();
      expect(outcomes(orderId)[1]!.event).toEqual(failed);
      expect(gateway.callsFor(orderId)).toHaveLength(1);
      expect(await payment(orderId)).toMatchObject({ status: 'FAILED', code: 'INSUFFICIENT_FUNDS' });
    },
  );

  it('when the card is declined (402), then payment.failed INSUFFICIENT_FUNDS after one attempt', async () => {
    const orderId = newOrderId();
    await publisher.publish(
      'order.created',
      buildOrderCreated({ orderId, payment: { token: 'tok_insufficient_funds' } }),
    );
    await publisher.publish('stock.reserved', buildStockReserved({ orderId }));

    const failed = await recorder.waitForEvent('payment.failed', (e) => e.data.orderId === orderId);
    expect(failed.data).toMatchObject({ orderId, code: 'INSUFFICIENT_FUNDS', attempts: 1 });
    await service.authorizerIdle();
    expect(gateway.callsFor(orderId)).toHaveLength(1);
    expect(await payment(orderId)).toMatchObject({ status: 'FAILED', code: 'INSUFFICIENT_FUNDS', attempts: 1 });
  });

  it.each([
    ['arrives late', {}],
    // Inventory's copy for a reservation it holds because this service called the payment pending:
    // the order's half alone, its stock.reserved dead-lettered here (ExpirySweeper).
    ['is announced again by inventory after it expired', { [REANNOUNCED_HEADER]: 'expired:1' }],
  ])(
    'when the reservation has already expired and its stock.reserved %s, then payment.failed RESERVATION_EXPIRED and no charge',
    async (_, headers) => {
      const orderId = newOrderId();
      // The order first: the reservation completes the pair and its claim meets the expiry (a
      // reservation first would be failed by the gateway-questions job, before the order came: see below).
      await publisher.publish('order.created', buildOrderCreated({ orderId }));
      await waitFor(async () => (await payment(orderId)).status === 'PENDING', { what: 'the order to be held' });
      await publisher.publish(
        'stock.reserved',
        buildStockReserved({ orderId, expiresAt: new Date(Date.now() - 1000).toISOString() }),
        { headers },
      );

      const failed = await recorder.waitForEvent('payment.failed', (e) => e.data.orderId === orderId);
      expect(failed.data).toMatchObject({ orderId, code: 'RESERVATION_EXPIRED', attempts: 0 });
      await service.authorizerIdle();
      expect(gateway.callsFor(orderId)).toHaveLength(0);
    },
  );
});

describe('recovery sweeper', () => {
  it('when a worker died mid-charge and its lease expired, then the charge is resumed and completed once', async () => {
    const orderId = newOrderId();
    const correlationId = randomUUID();
    // A claim nobody works on, with a lease already over: what a crash after claiming leaves behind.
    await service.store.recordOrder({ orderId, amount: 1500, currency: 'USD', token: 'tok_visa', correlationId }, -1);
    const claim = await service.store.recordReservation(
      { orderId, expiresAt: new Date(Date.now() + 60_000).toISOString(), correlationId },
      -1,
    );
    expect(claim).toBeDefined();

    const authorized = await recorder.waitForEvent('payment.authorized', (e) => e.data.orderId === orderId);
    expect(authorized.data).toMatchObject({ orderId, amount: 1500, attempts: 1 });
    expect(authorized.correlationId).toBe(correlationId);
    await service.authorizerIdle();
    expect(gateway.callsFor(orderId)).toHaveLength(1);
    expect(await payment(orderId)).toMatchObject({ status: 'AUTHORIZED' });
  });
});

describe('recovery sweeper, after the reservation expired', () => {
  it('when the worker that died had been authorized, then payment.authorized with that charge, not RESERVATION_EXPIRED', async () => {
    const orderId = newOrderId();
    const correlationId = randomUUID();
    // The dead worker's charge went through at the gateway; it died before recording the outcome.
    await chargedEarlier(orderId);
    await service.store.recordOrder({ orderId, amount: 1500, currency: 'USD', token: 'tok_visa', correlationId }, -1);
    await service.store.recordReservation(
      { orderId, expiresAt: new Date(Date.now() - 1000).toISOString(), correlationId },
      -1,
    );

    const authorized = await recorder.waitForEvent('payment.authorized', (e) => e.data.orderId === orderId);
    // The resumed call made no attempt (past the expiry); the charge it found took one, unrecorded.
    expect(authorized.data).toMatchObject({ orderId, paymentId: `ch_${orderId}`, amount: 1500, attempts: 1 });
    expect(gateway.callsFor(orderId)).toHaveLength(1);
    expect(outcomes(orderId).map((m) => m.topic)).toEqual(['payment.authorized']);
    expect(await payment(orderId)).toMatchObject({ status: 'AUTHORIZED' });
  });
});

describe('gateway-questions job: a reservation whose order never came', () => {
  it("when the reservation expires before the order's half arrives (its order.created lost here), then payment.failed RESERVATION_EXPIRED without a charge, and the order arriving later is refused", async () => {
    const orderId = newOrderId();
    const correlationId = randomUUID();
    const expiresAt = Date.now() + 1500;
    await publisher.publish(
      'stock.reserved',
      buildStockReserved({ orderId, expiresAt: new Date(expiresAt).toISOString() }),
      { correlationId },
    );
    await waitFor(async () => (await payment(orderId)).status === 'PENDING', { what: 'the reservation to be held' });

    const failed = await recorder.waitForEvent('payment.failed', (e) => e.data.orderId === orderId);
    expect(failed.data).toEqual({ orderId, code: 'RESERVATION_EXPIRED', reason: expect.any(String), attempts: 0 });
    expect(failed.correlationId).toBe(correlationId);
    // Not before the reservation's own expiry: until then the order could still have been charged.
    expect(Date.parse(failed.time)).toBeGreaterThanOrEqual(expiresAt);

    const late = await publisher.publish('order.created', buildOrderCreated({ orderId }), { correlationId });
    await waitFor(() => service.handled.includes(late.id), { what: 'the late order.created to be handled' });
    await service.authorizerIdle();
    await outcomesSettled(orderId);
    expect(gateway.callsFor(orderId)).toHaveLength(0);
    expect(outcomes(orderId).map((m) => m.topic)).toEqual(['payment.failed']);
    expect(await payment(orderId)).toMatchObject({ status: 'FAILED', code: 'RESERVATION_EXPIRED', attempts: 0 });
    expect(await service.redis.hget(`${service.prefix}:payments:${orderId}`, 'token')).toBeNull();
  });

  it('when the order arrives between the job asking the gateway and failing the reservation, then the job fails nothing: the claim stands', async () => {
    const orderId = newOrderId();
    const correlationId = randomUUID();
    const expiresAt = new Date(Date.now() + 60_000).toISOString();
    await service.store.recordReservation({ orderId, expiresAt, correlationId }, 60_000);
    // The job has asked the gateway (nothing charged) and built its payment.failed; the order
    // comes first and its half completes the pair (a claim nobody works on here: a long lease).
    const claim = await service.store.recordOrder(
      { orderId, amount: 1500, currency: 'USD', token: 'tok_visa', correlationId },
      60_000,
    );
    expect(claim).toBeDefined();
    expect(
      await service.store.failAwaiting(
        expiredAwaitingEvent(orderId, correlationId, '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'),
      ),
    ).toBe(false);
    expect((await service.store.get(orderId))?.status).toBe('PROCESSING');
    expect(await service.redis.zscore(`${service.prefix}:awaiting`, orderId)).toBeNull();
  });

  it('when the gateway cannot be asked while the reservation expires, then it is not failed until the gateway answers', async () => {
    const orderId = newOrderId();
    gateway.outage(true);
    try {
      await publisher.publish(
        'stock.reserved',
        buildStockReserved({ orderId, expiresAt: new Date(Date.now() + 300).toISOString() }),
      );
      // The job asked about it (a look-up the gateway refused) and left it waiting.
      await waitFor(() => gateway.lookupsFor(orderId) >= 2, { what: 'the job to ask the gateway in vain' });
      expect(await payment(orderId)).toMatchObject({ status: 'PENDING' });
    } finally {
      gateway.outage(false);
    }
    const failed = await recorder.waitForEvent('payment.failed', (e) => e.data.orderId === orderId);
    expect(failed.data).toMatchObject({ code: 'RESERVATION_EXPIRED', attempts: 0 });
  });

  it('when the gateway already holds a charge for the order (its record rebuilt from redelivered events after Redis lost it), then the expired reservation is not failed, and the order.created arriving later finds that charge: AUTHORIZED', async () => {
    const orderId = newOrderId();
    await chargedEarlier(orderId);
    const reserved = await publisher.publish(
      'stock.reserved',
      buildStockReserved({ orderId, expiresAt: new Date(Date.now() + 1000).toISOString() }),
    );
    await waitFor(async () => (await payment(orderId)).status === 'PENDING', { what: 'the reservation to be held' });
    // The job asked the gateway and took the reservation off its list without failing it.
    await waitFor(async () => (await service.redis.zscore(`${service.prefix}:awaiting`, orderId)) === null, {
      what: 'the job to look at the expired reservation',
    });
    expect(await payment(orderId)).toMatchObject({ status: 'PENDING' });

    // Inventory, holding the reservation for this pending payment, announces it again: the half it
    // brings is here already, so it changes nothing (it put the payment back on the list, to be
    // asked about again with each copy, and kept its record from expiring).
    const lookups = gateway.lookupsFor(orderId);
    const ttl = await service.redis.pttl(`${service.prefix}:payments:${orderId}`);
    await publisher.publish('stock.reserved', reserved.data, {
      id: reserved.id,
      headers: { [REANNOUNCED_HEADER]: 'expired:1' },
    });
    await waitFor(() => service.handled.filter((id) => id === reserved.id).length === 2, {
      what: 'the copy to be handled',
    });
    expect(await service.redis.zscore(`${service.prefix}:awaiting`, orderId)).toBeNull();
    expect(await service.redis.pttl(`${service.prefix}:payments:${orderId}`)).toBeLessThanOrEqual(ttl);
    expect(gateway.lookupsFor(orderId)).toBe(lookups);

    await publisher.publish('order.created', buildOrderCreated({ orderId, total: 1500, currency: 'USD' }));
    const authorized = await recorder.waitForEvent('payment.authorized', (e) => e.data.orderId === orderId);
    expect(authorized.data).toMatchObject({ orderId, paymentId: `ch_${orderId}` });
    await outcomesSettled(orderId);
    expect(outcomes(orderId).map((m) => m.topic)).toEqual(['payment.authorized']);
    expect(gateway.callsFor(orderId)).toHaveLength(1);
  });
});

describe('stock.failed', () => {
  const record = (orderId: string) => service.redis.hgetall(`${service.prefix}:payments:${orderId}`);

  it('when the order failed at stock after it was held, then its payment is FAILED with the stock code, uncharged, and the token is dropped', async () => {
    const orderId = newOrderId();
    await publisher.publish('order.created', buildOrderCreated({ orderId, total: 4998 }));
    await waitFor(async () => (await payment(orderId)).status === 'PENDING', { what: 'the order to be held' });
    expect((await record(orderId)).token).toBe('tok_visa');

    const failed = await publisher.publish(
      'stock.failed',
      buildStockFailed({ orderId, reason: 'sku-001: 5 asked, 1 left' }),
    );
    await waitFor(() => service.handled.includes(failed.id), { what: 'stock.failed to be handled' });

    expect(await payment(orderId)).toEqual({
      orderId,
      status: 'FAILED',
      amount: 4998,
      currency: 'USD',
      attempts: 0,
      code: 'INSUFFICIENT_STOCK',
    });
    expect(await record(orderId)).not.toHaveProperty('token');
    await outcomesSettled(orderId);
    expect(outcomes(orderId)).toHaveLength(0);
    expect(gateway.callsFor(orderId)).toHaveLength(0);
  });

  it('when stock.failed overtakes order.created, then the order is never held: no token stored, no charge', async () => {
    const orderId = newOrderId();
    const failed = await publisher.publish('stock.failed', buildStockFailed({ orderId, code: 'UNKNOWN_PRODUCT' }));
    await waitFor(() => service.handled.includes(failed.id), { what: 'stock.failed to be handled' });
    const created = await publisher.publish('order.created', buildOrderCreated({ orderId }));
    await waitFor(() => service.handled.includes(created.id), { what: 'order.created to be handled' });

    expect(await payment(orderId)).toMatchObject({ status: 'FAILED', code: 'UNKNOWN_PRODUCT', attempts: 0 });
    expect(await record(orderId)).not.toHaveProperty('token');
    expect(gateway.callsFor(orderId)).toHaveLength(0);
  });

  it('when a stock.failed is redelivered after the order was charged, then the payment stays AUTHORIZED', async () => {
    const orderId = newOrderId();
    await publisher.publish('order.created', buildOrderCreated({ orderId }));
    await publisher.publish('stock.reserved', buildStockReserved({ orderId }));
    await recorder.waitForEvent('payment.authorized', (e) => e.data.orderId === orderId);

    const failed = await publisher.publish('stock.failed', buildStockFailed({ orderId }));
    await waitFor(() => service.handled.includes(failed.id), { what: 'stock.failed to be handled' });
    expect((await payment(orderId)).status).toBe('AUTHORIZED');
  });
});

describe('GET /payments/:orderId', () => {
  it('when nothing is known about the order, then 404', async () => {
    const res = await request(service.app).get(`/payments/${newOrderId()}`);
    expect(res.status).toBe(404);
    expect(res.body.error).toBe('NOT_FOUND');
  });
});
