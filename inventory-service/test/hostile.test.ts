import request from 'supertest';
import {
  REJECTED,
  RUNS,
  expectFieldNamed,
  expectLookup,
  expectNoPollution,
  expectSafeAnswer,
  fc,
  hostileSegment,
  hostileString,
  mutationsOf,
  sendJson,
  wholeBodyJunk,
} from '../../test/support/hostile';
import { ADMIN_TOKEN, startInventory, type Harness } from './harness';

let h: Harness;
let productId: string;

beforeAll(async () => {
  h = await startInventory();
  productId = await h.product(10);
  // With the relay stopped the outbox only grows, so its length counts exactly what was emitted.
  await h.outbox.stop();
});
afterAll(() => h.stop());

const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` };
const written = async () => ({
  events: await h.redis.xlen(h.outbox.stream),
  items: JSON.stringify((await request(h.app).get('/inventory')).body),
});

/** PUTs a body; anything but 200 leaves stock and outbox as they were, a 200 emits one stock.updated. */
const put = async (path: string, text: string, headers: Record<string, string>, allowed: number[]) => {
  const before = await written();
  const res = await sendJson(h.app, 'put', path, text, headers);
  expectSafeAnswer(res, allowed);
  const after = await written();
  if (res.status === 200) expect(after.events).toBe(before.events + 1);
  else expect(after).toEqual(before);
  expectNoPollution();
  return res;
};

describe('PUT /inventory/:productId with hostile input', () => {
  it('when one field of a valid body is hostile, then 200 or 4xx naming the field, and a rejection changes and emits nothing', async () => {
    await fc.assert(
      fc.asyncProperty(mutationsOf({ available: 7 }), async (m) => {
        expectFieldNamed(await put(`/inventory/${productId}`, m.text, admin, [200, ...REJECTED]), m);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('when the body is junk, deeply nested or carries prototype keys, then 4xx and nothing changes', async () => {
    await fc.assert(
      fc.asyncProperty(wholeBodyJunk, async (text) => {
        await put(`/inventory/${productId}`, text, admin, REJECTED);
      }),
      { numRuns: RUNS },
    );
  });

  it('when the product id is hostile, then 200 for a valid id or 400 naming productId', async () => {
    await fc.assert(
      fc.asyncProperty(hostileSegment, async (id) => {
        const res = await put(`/inventory/${id}`, '{"available":3}', admin, [200, 400, 404]);
        if (res.status === 400 && res.body.details)
          expect(JSON.stringify(res.body.details)).toMatch(/productId|\(path\)/);
      }),
      { numRuns: RUNS },
    );
  });

  it('when the admin token is missing or wrong, then 401 whatever the body, and nothing changes', async () => {
    const wrongAuth = fc.oneof(
      fc.constant<Record<string, string>>({}),
      fc
        .constantFrom('Bearer', 'Bearer ', `Bearer:${ADMIN_TOKEN}`, `Basic ${ADMIN_TOKEN}`, ADMIN_TOKEN)
        .map((a) => ({ Authorization: a })),
      hostileString
        .filter((s) => s.length < 4000 && /^[\x20-\x7e]*$/.test(s) && s !== ADMIN_TOKEN)
        .map((s) => ({ Authorization: `Bearer ${s}` })),
    );
    await fc.assert(
      fc.asyncProperty(wrongAuth, fc.oneof(fc.constant('{"available":1}'), wholeBodyJunk), async (headers, text) => {
        const res = await put(`/inventory/${productId}`, text, headers, [401, ...REJECTED]);
        // A body the parser cannot read is refused before the guard runs; any readable one meets the guard.
        if (text === '{"available":1}') expect(res.status).toBe(401);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('GET /inventory/:productId and /reservations/:orderId with hostile ids', () => {
  it('when the id is hostile, then 404 or 400, or the item it names', async () => {
    await fc.assert(
      fc.asyncProperty(hostileSegment, async (id) => {
        expectLookup(await request(h.app).get(`/inventory/${id}`), id, 'productId');
        expectLookup(await request(h.app).get(`/reservations/${id}`), id, 'orderId');
      }),
      { numRuns: RUNS },
    );
  });
});
