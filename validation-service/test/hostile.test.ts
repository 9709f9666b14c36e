import request from 'supertest';
import { Health, createLogger, createMetrics } from '@checkout/chassis';
import {
  REJECTED,
  RUNS,
  expectFieldNamed,
  expectNoPollution,
  expectLookup,
  expectSafeAnswer,
  fc,
  hostileSegment,
  mutationsOf,
  sendJson,
  wholeBodyJunk,
} from '../../test/support/hostile';
import { createApp } from '../src/app';
import type { StockClient } from '../src/clients/stock-client';
import { loadCatalog } from '../src/domain/catalog';

const stock: StockClient = {
  levels: async (ids) => new Map(ids.map((id) => [id, { productId: id, available: 100, version: 1 }])),
};
const app = createApp({
  logger: createLogger('validation-test', 'silent'),
  health: new Health(),
  metrics: createMetrics('validation-test'),
  catalog: loadCatalog(),
  stock,
});
const validCart = {
  cart: { items: [{ productId: 'sku-001', quantity: 2, price: 2499 }], promoCodes: ['PROMO10'], currency: 'USD' },
};

describe('POST /validate with hostile carts', () => {
  it('when one field of a valid cart is hostile, then 200 (a verdict) or 4xx naming the field', async () => {
    await fc.assert(
      fc.asyncProperty(mutationsOf(validCart), async (m) => {
        const res = await sendJson(app, 'post', '/validate', m.text);
        expectSafeAnswer(res, [200, ...REJECTED]);
        expectFieldNamed(res, m);
        if (res.status === 200) expect(Number.isSafeInteger(res.body.pricing.total)).toBe(true);
        expectNoPollution();
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('when the body is junk, deeply nested or carries prototype keys, then 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(wholeBodyJunk, async (text) => {
        const res = await sendJson(app, 'post', '/validate', text);
        expectSafeAnswer(res, REJECTED);
        expectNoPollution();
      }),
      { numRuns: RUNS },
    );
  });
});

describe('GET /products/:productId with hostile ids', () => {
  it('when the id is hostile, then 404 or 400, or the product it names, never 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(hostileSegment, async (id) => {
        expectLookup(await request(app).get(`/products/${id}`), id, 'productId');
      }),
      { numRuns: RUNS },
    );
  });

  it('when GET /products has a hostile query, then it is ignored', async () => {
    const res = await request(app).get('/products?__proto__[polluted]=yes&limit=1e308');
    expectSafeAnswer(res, [200]);
    expectNoPollution();
  });
});
