import request from 'supertest';
import {
  RUNS,
  expectNoPollution,
  expectSafeAnswer,
  fc,
  hostileQuery,
  namesRefusedQueryField,
} from '../../test/support/hostile';
import { startNotificationApp } from './harness';

let svc: Awaited<ReturnType<typeof startNotificationApp>>;

beforeAll(async () => {
  svc = await startNotificationApp();
});
afterAll(() => svc.stop());

/** A 400 names the query field it refuses, or the parameters it does not know (a bracketed one, `__proto__`). */
const QUERY_FIELD = /^(orderId)\b/;

describe('GET /notifications with hostile queries', () => {
  it('when the query is hostile (repeated keys, brackets, broken encoding), then 200 with a list or 400 naming the field', async () => {
    await fc.assert(
      fc.asyncProperty(hostileQuery(['orderId']), async (query) => {
        const res = await request(svc.app).get(`/notifications?${query}`);
        expectSafeAnswer(res, [200, 400]);
        if (res.status === 200) expect(Array.isArray(res.body.items)).toBe(true);
        else expect(res.body.details.some(namesRefusedQueryField(QUERY_FIELD, query))).toBe(true);
        expectNoPollution();
      }),
      { numRuns: RUNS },
    );
  });

  it('when orderId comes with a parameter it does not know, then 400 naming that one', async () => {
    const res = await request(svc.app).get('/notifications?orderId=ord_1&orderId[]=ord_2');
    expectSafeAnswer(res, [400]);
    expect(res.body.details).toEqual([expect.objectContaining({ field: 'orderId[]' })]);
  });

  it('when orderId is missing, then 400 naming orderId', async () => {
    const res = await request(svc.app).get('/notifications');
    expectSafeAnswer(res, [400]);
    expect(JSON.stringify(res.body.details)).toContain('orderId');
  });
});
