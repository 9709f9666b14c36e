import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { Health, createLogger, createMetrics, type HandlerContext, type Redis } from '@checkout/chassis';
import { buildPaymentFailed, createEvent } from '@checkout/contracts';
import { useOwnRedis } from '../../test/support';
import { createApp } from '../src/app';
import { createHandlers } from '../src/handlers';
import { AuditStore } from '../src/store/audit-store';

/**
 * GET /audit/events?type= while Redis stalls: AuditStore.latest(limit, type) reads the type index
 * (LRANGE) and then each entry in a pipeline. It used to drop every pipeline result that failed, so
 * a Redis that stopped answering between the two (a SIGSTOP, a hung host) gave 200 with an empty or
 * partial list, a wrong answer presented as the truth, where the contract wants 503.
 */
describe('audit — GET /audit/events?type= when Redis stalls mid-read', () => {
  const own = useOwnRedis('audit-stall-test');

  it('when Redis stops answering after the type index was read, then 503, not 200 with the events left out', async () => {
    let stallAtPipeline = false;
    // The stall begins right after the index read, when the entries are fetched.
    const { redis, server } = own;
    const stalling = new Proxy(redis, {
      get(target, prop, receiver) {
        if (prop === 'pipeline' && stallAtPipeline) {
          stallAtPipeline = false;
          server.freeze();
        }
        const v = Reflect.get(target, prop, receiver);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const store = new AuditStore(stalling as Redis, `audit-test-${randomUUID()}`);
    const app = createApp({
      logger: createLogger('test', 'silent'),
      health: new Health(),
      metrics: createMetrics('audit-stall-test'),
      store,
    });
    const ctx = { log: createLogger('test', 'silent') as unknown as HandlerContext['log'] } as HandlerContext;
    const handler = createHandlers(store)['payment.failed']!;
    for (let i = 0; i < 3; i++) {
      await handler(
        createEvent('payment.failed', buildPaymentFailed(), { source: '/test', correlationId: randomUUID() }),
        ctx,
      );
    }
    expect((await request(app).get('/audit/events').query({ type: 'payment.failed' })).body.items).toHaveLength(3);

    stallAtPipeline = true;
    // Frozen until the answer is in, however long the command timeout and the machine take.
    const res = await Promise.resolve(request(app).get('/audit/events').query({ type: 'payment.failed' })).finally(() =>
      server.thaw(),
    );
    // It answered 200 { items: [] } after the 2 s command timeout.
    expect({ status: res.status, error: res.body.error }).toEqual({ status: 503, error: 'DEPENDENCY_UNAVAILABLE' });
  }, 30_000);
});
