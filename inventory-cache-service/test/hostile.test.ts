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
  mutationsOf,
  sendJson,
  wholeBodyJunk,
} from '../../test/support/hostile';
import { cacheService, fakeInventory, item, productId } from './harness';

let inventory: Awaited<ReturnType<typeof fakeInventory>>;
let cache: Awaited<ReturnType<typeof cacheService>>;
const known = productId();

beforeAll(async () => {
  inventory = await fakeInventory([item(known, 5, 1)]);
  cache = await cacheService(inventory.url, { minIntervalMs: 0 });
});
afterAll(async () => {
  cache.close();
  await inventory.close();
});

describe('POST /stock/query with hostile bodies', () => {
  it('when one id or field is hostile, then 200 with levels or 4xx naming the field', async () => {
    await fc.assert(
      fc.asyncProperty(mutationsOf({ productIds: [known, 'sku-001'] }), async (m) => {
        const res = await sendJson(cache.app, 'post', '/stock/query', m.text);
        expectSafeAnswer(res, [200, ...REJECTED]);
        expectFieldNamed(res, m);
        expectNoPollution();
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('when the body is junk, deeply nested or carries prototype keys, then 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(wholeBodyJunk, async (text) => {
        expectSafeAnswer(await sendJson(cache.app, 'post', '/stock/query', text), REJECTED);
        expectNoPollution();
      }),
      { numRuns: RUNS },
    );
  });
});

describe('GET /stock/:productId with hostile ids', () => {
  it('when the id is hostile, then 404 or 400, or the level of the product it names', async () => {
    await fc.assert(
      fc.asyncProperty(hostileSegment, async (id) => {
        expectLookup(await request(cache.app).get(`/stock/${id}`), id, 'productId');
      }),
      { numRuns: RUNS },
    );
  });
});
