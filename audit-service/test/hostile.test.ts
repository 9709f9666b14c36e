import request from 'supertest';
import {
  RUNS,
  expectNoPollution,
  expectSafeAnswer,
  fc,
  hostileQuery,
  namesRefusedQueryField,
  hostileSegment,
} from '../../test/support/hostile';
import { startAuditApp } from './harness';

let svc: Awaited<ReturnType<typeof startAuditApp>>;

beforeAll(async () => {
  svc = await startAuditApp();
});
afterAll(() => svc.stop());

/** A 400 names the query field it refuses, or the parameters it does not know (a bracketed one, `__proto__`). */
const QUERY_FIELD = /^(type|limit)\b/;

describe('GET /audit/orders/:orderId with hostile ids', () => {
  it('when the id is hostile, then 200 with an empty timeline for that id, or 400', async () => {
    await fc.assert(
      fc.asyncProperty(hostileSegment, async (id) => {
        const res = await request(svc.app).get(`/audit/orders/${id}`);
        expectSafeAnswer(res, [200, 400]);
        if (res.status === 200) expect(res.body).toEqual({ orderId: decodeURIComponent(id), events: [] });
      }),
      { numRuns: RUNS },
    );
  });
});

describe('GET /audit/events with hostile queries', () => {
  it('when type or limit are hostile (1e308, -0, NaN, repeated, brackets), then 200 or 400 naming the field', async () => {
    await fc.assert(
      fc.asyncProperty(hostileQuery(['type', 'limit']), async (query) => {
        const res = await request(svc.app).get(`/audit/events?${query}`);
        expectSafeAnswer(res, [200, 400]);
        if (res.status === 200) expect(Array.isArray(res.body.items)).toBe(true);
        else expect(res.body.details.some(namesRefusedQueryField(QUERY_FIELD, query))).toBe(true);
        expectNoPollution();
      }),
      { numRuns: RUNS },
    );
  });
});
