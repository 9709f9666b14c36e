import { randomUUID } from 'node:crypto';
import request from 'supertest';
import {
  buildOrderCreated,
  buildPaymentAuthorized,
  createEvent,
  type EventData,
  type EventType,
} from '@checkout/contracts';
import { createLogger, type HandlerContext } from '@checkout/chassis';
import { waitFor } from '../../test/support';
import { loadConfig } from '../src/config';
import { TRIM_STEP } from '../src/store/audit-scripts';
import { startAuditApp } from './harness';

// Long enough for the reads right after an event is handled to come before it expires, on a busy machine.
const RETENTION_MS = 2000;
const ctx = { log: createLogger('audit-test', 'silent') as HandlerContext['log'] } as HandlerContext;
const eventOf = <T extends EventType>(type: T, data: EventData<T>) =>
  createEvent(type, data, { source: '/test', correlationId: randomUUID() });

describe('AUDIT_RETENTION_MS', () => {
  let service: Awaited<ReturnType<typeof startAuditApp>>;
  beforeAll(async () => {
    service = await startAuditApp({ retentionMs: RETENTION_MS });
  });
  afterAll(async () => {
    await service?.stop();
  });
  /** The event ids a GET of the log answers (an order's `events`, or the latest `items`). */
  const ids = async (path: string) => {
    const { body } = await request(service.app).get(path);
    return ((body.events ?? body.items) as { id: string }[]).map((e) => e.id);
  };

  it('when set, then an event older than it leaves the log, its type index and its order timeline as new events come, and the newer ones stay', async () => {
    const old = eventOf('order.created', buildOrderCreated({ orderId: `ord_${randomUUID()}` }));
    await service.handlers['order.created']!(old, ctx);
    const seen = `${service.prefix}:seen:${old.id}`;
    expect(await ids(`/audit/orders/${old.data.orderId}`)).toEqual([old.id]);
    expect(await service.redis.pttl(seen)).toBeGreaterThan(0);

    // Its marker and its order's timeline expire on their own; the log and the index as events come.
    await waitFor(async () => (await service.redis.exists(seen)) === 0, { what: 'the seen marker to expire' });
    const fresh = eventOf('order.created', buildOrderCreated({ orderId: `ord_${randomUUID()}` }));
    const paid = eventOf('payment.authorized', buildPaymentAuthorized({ orderId: fresh.data.orderId }));
    await service.handlers['order.created']!(fresh, ctx);
    await service.handlers['payment.authorized']!(paid, ctx);

    expect(await ids(`/audit/orders/${old.data.orderId}`)).toEqual([]);
    expect(await ids(`/audit/orders/${fresh.data.orderId}`)).toEqual([fresh.id, paid.id]);
    expect(await ids('/audit/events?limit=1000')).toEqual([fresh.id, paid.id]);
    expect(await ids('/audit/events?type=order.created&limit=1000')).toEqual([fresh.id]);
    expect(await service.redis.llen(`${service.prefix}:type:order.created`)).toBe(1);
  });

  it('when set and the same ce_id is delivered three times within it, then the log, the type index and the timeline hold it once', async () => {
    const event = eventOf('order.created', buildOrderCreated({ orderId: `ord_${randomUUID()}` }));
    for (let i = 0; i < 3; i++) await service.handlers['order.created']!(event, ctx);

    expect(await ids(`/audit/orders/${event.data.orderId}`)).toEqual([event.id]);
    expect((await ids('/audit/events?limit=1000')).filter((id) => id === event.id)).toEqual([event.id]);
    expect((await ids('/audit/events?type=order.created&limit=1000')).filter((id) => id === event.id)).toEqual([
      event.id,
    ]);
  });

  it('when a retention is set on a log kept for good until then, then each new event trims at most TRIM_STEP of the backlog, and the backlog goes over the next events', async () => {
    // Its own log: the entries from before the retention was set have ids below every other's.
    const service = await startAuditApp({ retentionMs: RETENTION_MS });
    try {
      // 250 entries from before the retention was set, in the log and in the type index.
      const backlog = 2.5 * TRIM_STEP;
      const pipeline = service.redis.pipeline();
      for (let i = 1; i <= backlog; i++) {
        pipeline.xadd(`${service.prefix}:log`, `${i}-0`, 'type', 'order.failed', 'e', '{}');
        pipeline.rpush(`${service.prefix}:type:order.failed`, `${i}-0`);
      }
      expect((await pipeline.exec())!.filter(([err]) => err)).toEqual([]);
      const left = async () => ({
        log: (await service.redis.xrange(`${service.prefix}:log`, '-', `(${backlog + 1}`)).length,
        index: await service.redis.llen(`${service.prefix}:type:order.failed`),
      });
      const record = async () =>
        service.handlers['order.failed']!(
          eventOf('order.failed', { orderId: `ord_${randomUUID()}`, stage: 'stock', code: 'X', reason: 'r' }),
          ctx,
        );
      await record();
      expect(await left()).toEqual({ log: backlog - TRIM_STEP, index: backlog - TRIM_STEP + 1 });
      await record();
      await record();
      // Gone: only the three new events' ids remain in the index.
      expect(await left()).toEqual({ log: 0, index: 3 });
    } finally {
      await service.stop();
    }
  });

  it('when unset, then the log is kept for good; when set below 14 days, start-up fails naming it', () => {
    expect(loadConfig({}).AUDIT_RETENTION_MS).toBe(0);
    expect(() => loadConfig({ AUDIT_RETENTION_MS: String(7 * 86_400_000) })).toThrow(/at least 14 days/);
    expect(loadConfig({ AUDIT_RETENTION_MS: String(30 * 86_400_000) }).AUDIT_RETENTION_MS).toBe(30 * 86_400_000);
    expect(() => loadConfig({ AUDIT_RETENTION_MS: '3600000' })).toThrow(/AUDIT_RETENTION_MS: must be 0/);
  });
});
