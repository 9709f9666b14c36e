import { randomUUID } from 'node:crypto';
import request from 'supertest';
import {
  AuditEventList,
  AuditTimeline,
  EVENT_BUILDERS,
  buildOrderCreated,
  buildPaymentAuthorized,
  buildPaymentFailed,
  buildStockReserved,
  buildStockUpdated,
  createEvent,
  type EventData,
  type EventType,
} from '@checkout/contracts';
import { createLogger, type HandlerContext } from '@checkout/chassis';
import { testPublisher, type TestConsumer } from '../../test/support';
import { startAuditApp } from './harness';

const newOrderId = () => `ord_${randomUUID()}`;
const ctx = { log: createLogger('audit-test', 'silent') as HandlerContext['log'] } as HandlerContext;
const eventOf = <T extends EventType>(type: T, data: EventData<T>) =>
  createEvent(type, data, { source: '/test', correlationId: randomUUID() });

describe('every topic, through the broker', () => {
  let service: Awaited<ReturnType<typeof startAuditApp>>;
  let consumer: TestConsumer;
  let publisher: Awaited<ReturnType<typeof testPublisher>>;

  beforeAll(async () => {
    service = await startAuditApp();
    [consumer, publisher] = await Promise.all([service.consume(service.handlers), testPublisher()]);
  });
  afterAll(async () => {
    await Promise.all([consumer?.stop(), publisher?.stop()]);
    await service?.stop();
  });

  it('when the same ce_id is delivered three times, then the order timeline holds it once', async () => {
    const orderId = newOrderId();
    const created = await publisher.publish('order.created', buildOrderCreated({ orderId }));
    await publisher.publish('order.created', created.data, { id: created.id });
    await publisher.publish('order.created', created.data, { id: created.id });
    const reserved = await publisher.publish('stock.reserved', buildStockReserved({ orderId }));
    await consumer.waitHandled([created.id], 3);
    await consumer.waitHandled([reserved.id]);

    const res = await request(service.app).get(`/audit/orders/${orderId}`);
    expect(res.status).toBe(200);
    // Exactly the documented shape (openapi.json): parsing drops any key it does not know.
    expect(AuditTimeline.parse(res.body)).toEqual(res.body);
    expect(res.body.orderId).toBe(orderId);
    expect(res.body.events.map((e: { id: string }) => e.id).sort()).toEqual([created.id, reserved.id].sort());
    const recorded = res.body.events.find((e: { id: string }) => e.id === created.id);
    expect(recorded).toEqual({
      id: created.id,
      type: 'order.created',
      source: '/test',
      time: created.time,
      // The payment token is not kept: the log is read by anyone who knows an order id.
      data: { ...created.data, payment: { token: 'tok_redacted' } },
    });
    expect(res.text).not.toContain(created.data.payment.token);
  });

  it('when events of every type arrive, then each one is in the global log', async () => {
    const orderId = newOrderId();
    const sent = [];
    for (const [type, build] of Object.entries(EVENT_BUILDERS) as [EventType, (o: object) => EventData<EventType>][]) {
      sent.push(await publisher.publish(type, build(type === 'stock.updated' ? {} : { orderId })));
    }
    await consumer.waitHandled(sent.map((e) => e.id));
    const res = await request(service.app).get('/audit/events').query({ limit: 1000 });
    expect(AuditEventList.parse(res.body)).toEqual(res.body);
    const ids = res.body.items.map((e: { id: string }) => e.id);
    for (const e of sent) expect(ids.filter((id: string) => id === e.id)).toHaveLength(1);
  });
});

describe('GET /audit/orders/:orderId', () => {
  let service: Awaited<ReturnType<typeof startAuditApp>>;
  beforeAll(async () => (service = await startAuditApp()));
  afterAll(() => service.stop());

  it('when events are recorded, then the timeline lists them, without product-only events', async () => {
    const orderId = newOrderId();
    const events = [
      eventOf('order.created', buildOrderCreated({ orderId })),
      eventOf('stock.updated', buildStockUpdated()),
      eventOf('stock.reserved', buildStockReserved({ orderId })),
      eventOf('payment.authorized', buildPaymentAuthorized({ orderId })),
    ];
    for (const e of events) await service.handlers[e.type]!(e as never, ctx);
    const res = await request(service.app).get(`/audit/orders/${orderId}`);
    expect(res.body.events.map((e: { type: string }) => e.type)).toEqual([
      'order.created',
      'stock.reserved',
      'payment.authorized',
    ]);
  });

  it("when the topics deliver an order's events out of order, then the timeline is in the order they happened, same-millisecond ones in saga order", async () => {
    const orderId = newOrderId();
    const at = (ms: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, 0, ms)).toISOString();
    const stamped = <T extends EventType>(type: T, data: EventData<T>, ms: number) => ({
      ...eventOf(type, data),
      time: at(ms),
    });
    const happened = [
      stamped('order.created', buildOrderCreated({ orderId }), 1),
      stamped('stock.reserved', buildStockReserved({ orderId }), 5),
      // A declined charge and the release it causes, in one millisecond.
      stamped('payment.failed', buildPaymentFailed({ orderId }), 9),
      stamped('stock.released', { orderId, reason: 'payment failed', levels: [] }, 9),
      stamped('order.failed', { orderId, stage: 'payment', code: 'INSUFFICIENT_FUNDS', reason: 'declined' }, 10),
    ];
    const [created, reserved, failed, released, orderFailed] = happened;
    for (const e of [orderFailed, released, failed, reserved, created])
      await service.handlers[e!.type]!(e as never, ctx);
    const res = await request(service.app).get(`/audit/orders/${orderId}`);
    expect(res.body.events.map((e: { id: string }) => e.id)).toEqual(happened.map((e) => e.id));
  });

  it('when nothing was recorded for the order, then 200 with no events', async () => {
    const orderId = newOrderId();
    expect((await request(service.app).get(`/audit/orders/${orderId}`)).body).toEqual({ orderId, events: [] });
  });
});

describe('GET /audit/events', () => {
  let service: Awaited<ReturnType<typeof startAuditApp>>;
  const failed = Array.from({ length: 3 }, () => eventOf('payment.failed', buildPaymentFailed()));

  beforeAll(async () => {
    service = await startAuditApp();
    for (const e of [failed[0]!, eventOf('stock.updated', buildStockUpdated()), failed[1]!, failed[2]!]) {
      await service.handlers[e.type]!(e as never, ctx);
    }
  });
  afterAll(() => service.stop());

  it('when filtered by type with a limit, then the newest of that type come last', async () => {
    const res = await request(service.app).get('/audit/events').query({ type: 'payment.failed', limit: 2 });
    expect(res.status).toBe(200);
    expect(res.body.items.map((e: { id: string }) => e.id)).toEqual([failed[1]!.id, failed[2]!.id]);
    expect(res.body.items[0]).toMatchObject({
      type: 'payment.failed',
      source: '/test',
      correlationId: failed[1]!.correlationId,
    });
  });

  it('when no type is given, then every type is listed, 100 at most by default', async () => {
    const res = await request(service.app).get('/audit/events');
    expect(res.body.items.map((e: { type: string }) => e.type)).toEqual([
      'payment.failed',
      'stock.updated',
      'payment.failed',
      'payment.failed',
    ]);
  });

  it('when type and limit are given empty (`?type=&limit=`), then they count as absent', async () => {
    const res = await request(service.app).get('/audit/events?type=&limit=');
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(4);
  });

  it.each([
    [{ type: 'order.exploded' }, 'type'],
    [{ limit: '0' }, 'limit'],
    [{ limit: '1001' }, 'limit'],
    [{ limit: 'ten' }, 'limit'],
    [{ limit: '1e2' }, 'limit'],
    [{ limit: '0x10' }, 'limit'],
    [{ limit: '99999999999999999999' }, 'limit'],
    [{ limit: ['1', '2'] }, 'limit'],
    // Unknown parameters, a bracketed one or a typo: ignored, they listed every type, unfiltered.
    [{ 'type[]': 'order.created' }, 'type[]'],
    [{ typ: 'order.created' }, 'typ'],
  ])('when the query is %j, then 400 names %s', async (query, field) => {
    const res = await request(service.app).get('/audit/events').query(query);
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual([expect.objectContaining({ field })]);
  });
});
