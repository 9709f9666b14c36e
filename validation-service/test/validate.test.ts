import request from 'supertest';
import { Health, createLogger, createMetrics } from '@checkout/chassis';
import { MAX_CHARGE_CENTS, MAX_QUANTITY, type CachedStock } from '@checkout/contracts';
import { createApp } from '../src/app';
import type { StockClient } from '../src/clients/stock-client';
import { loadCatalog } from '../src/domain/catalog';

const catalog = loadCatalog();

describe('the catalog', () => {
  it('when a product is priced 0, then the catalog does not load, naming the price', () => {
    // Ordered alone it would be reserved, then refused by the gateway as a card error.
    const free = { productId: 'sku-free', name: 'Free gift', price: 0, currency: 'USD' };
    expect(() => loadCatalog([free])).toThrow(/price[\s\S]*at least 1 cent/);
  });
});
const stockOf = (levels: Record<string, number>): StockClient => ({
  levels: async (ids) =>
    new Map(
      ids
        .filter((id) => id in levels)
        .map((id): [string, CachedStock] => [id, { productId: id, available: levels[id]!, version: 1 }]),
    ),
});

const appWith = (stock: StockClient = stockOf({ 'sku-001': 100, 'sku-002': 100, 'sku-004': 3 })) =>
  createApp({
    logger: createLogger('validation-test', 'silent'),
    health: new Health(),
    metrics: createMetrics('validation-test'),
    catalog,
    stock,
  });

const line = (productId: string, quantity: number, price = catalog.get(productId)?.price ?? 1) => ({
  productId,
  quantity,
  price,
});

describe('POST /validate', () => {
  it('when the cart is valid, then it reprices every line from the catalog', async () => {
    const res = await request(appWith())
      .post('/validate')
      .send({ cart: { items: [line('sku-001', 2), line('sku-002', 1)] } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      valid: true,
      errors: [],
      pricing: {
        lines: [
          { productId: 'sku-001', quantity: 2, unitPrice: 2499, lineTotal: 4998 },
          { productId: 'sku-002', quantity: 1, unitPrice: 3999, lineTotal: 3999 },
        ],
        subtotal: 8997,
        discount: 0,
        total: 8997,
        currency: 'USD',
      },
    });
  });

  it('when PROMO10 is applied, then 10% of the subtotal comes off', async () => {
    const res = await request(appWith())
      .post('/validate')
      .send({ cart: { items: [line('sku-001', 2)], promoCodes: ['PROMO10'] } });
    expect(res.body.pricing).toMatchObject({ subtotal: 4998, discount: 500, total: 4498 });
  });

  it('when SAVE500 meets a subtotal of 5000, then 500 comes off; below it nothing does', async () => {
    const enough = await request(appWith())
      .post('/validate')
      .send({ cart: { items: [line('sku-001', 3)], promoCodes: ['SAVE500'] } });
    expect(enough.body.pricing).toMatchObject({ subtotal: 7497, discount: 500, total: 6997 });
    const short = await request(appWith())
      .post('/validate')
      .send({ cart: { items: [line('sku-001', 1)], promoCodes: ['SAVE500'] } });
    expect(short.body).toMatchObject({ valid: true, pricing: { subtotal: 2499, discount: 0, total: 2499 } });
  });

  it('when a promo code is unknown, then INVALID_PROMO_CODE names it', async () => {
    const res = await request(appWith())
      .post('/validate')
      .send({ cart: { items: [line('sku-001', 1)], promoCodes: ['FREE'] } });
    expect(res.body.valid).toBe(false);
    expect(res.body.errors).toEqual([expect.objectContaining({ code: 'INVALID_PROMO_CODE', promoCode: 'FREE' })]);
  });

  it('when one promo code is given in several spellings, then it counts once', async () => {
    const res = await request(appWith())
      .post('/validate')
      .send({ cart: { items: [line('sku-001', 4)], promoCodes: ['PROMO10', 'promo10', 'Promo10'] } });
    expect(res.body).toMatchObject({ valid: true, pricing: { subtotal: 9996, discount: 1000, total: 8996 } });
  });

  it('when a code only folds to a valid one outside ASCII, then INVALID_PROMO_CODE', async () => {
    // The long s (U+017F) upper-cases to S.
    const res = await request(appWith())
      .post('/validate')
      .send({ cart: { items: [line('sku-001', 3)], promoCodes: ['\u017Fave500', 'constructor'] } });
    expect(res.body.valid).toBe(false);
    expect(res.body.errors.map((e: { promoCode: string }) => e.promoCode)).toEqual(['\u017Fave500', 'constructor']);
    expect(res.body.pricing.discount).toBe(0);
  });

  it('when the lines of one product add up to more than an order may hold, then 400 names the line', async () => {
    const res = await request(appWith())
      .post('/validate')
      .send({ cart: { items: [line('sku-001', MAX_QUANTITY), line('sku-002', 1), line('sku-001', 1)] } });
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual([expect.objectContaining({ field: 'cart.items[2].quantity' })]);
  });

  it('when a product is unknown, then UNKNOWN_PRODUCT names it', async () => {
    const res = await request(appWith())
      .post('/validate')
      .send({ cart: { items: [line('sku-999', 1, 100)] } });
    expect(res.body.errors).toEqual([expect.objectContaining({ code: 'UNKNOWN_PRODUCT', productId: 'sku-999' })]);
  });

  it('when the shown price differs from the catalog, then PRICE_MISMATCH gives expected and got', async () => {
    const res = await request(appWith())
      .post('/validate')
      .send({ cart: { items: [line('sku-001', 1, 1)] } });
    expect(res.body.errors).toEqual([
      expect.objectContaining({ code: 'PRICE_MISMATCH', productId: 'sku-001', expected: 2499, got: 1 }),
    ]);
  });

  it('when far more is asked than there is (999999), then INSUFFICIENT_STOCK gives requested and available', async () => {
    const res = await request(appWith())
      .post('/validate')
      .send({ cart: { items: [line('sku-004', 999_999)] } });
    expect(res.status).toBe(200);
    expect(res.body.errors).toEqual([
      // Only the contract's codes: 999999 of it would also be more than one card charge can carry,
      // which is said only of a cart with no other problem.
      expect.objectContaining({ code: 'INSUFFICIENT_STOCK', productId: 'sku-004', requested: 999_999, available: 3 }),
    ]);
  });

  it('when one product is listed twice, then stock is checked against the summed quantity', async () => {
    const res = await request(appWith())
      .post('/validate')
      .send({ cart: { items: [line('sku-004', 2), line('sku-004', 2)] } });
    expect(res.body.errors).toEqual([
      expect.objectContaining({ code: 'INSUFFICIENT_STOCK', productId: 'sku-004', requested: 4, available: 3 }),
    ]);
  });

  it('when the cart is empty, then EMPTY_CART', async () => {
    const res = await request(appWith())
      .post('/validate')
      .send({ cart: { items: [] } });
    expect(res.body).toMatchObject({ valid: false, errors: [expect.objectContaining({ code: 'EMPTY_CART' })] });
  });

  it('when the total is above the largest card charge, then TOTAL_TOO_LARGE (an order that could never be paid)', async () => {
    const price = catalog.get('sku-001')!.price;
    const atMost = Math.floor(MAX_CHARGE_CENTS / price);
    const ok = await request(appWith(stockOf({ 'sku-001': 1_000_000 })))
      .post('/validate')
      .send({ cart: { items: [line('sku-001', atMost)] } });
    expect(ok.body).toMatchObject({ valid: true, pricing: { total: atMost * price } });

    const res = await request(appWith(stockOf({ 'sku-001': 1_000_000 })))
      .post('/validate')
      .send({ cart: { items: [line('sku-001', atMost + 1)] } });
    expect(res.body).toMatchObject({
      valid: false,
      errors: [{ code: 'TOTAL_TOO_LARGE', total: (atMost + 1) * price, maximum: MAX_CHARGE_CENTS }],
    });
  });

  it('when the body is malformed, then 400 names the field', async () => {
    const res = await request(appWith())
      .post('/validate')
      .send({ cart: { items: [{ productId: 'sku-001', quantity: 1.5, price: 2499 }] } });
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual([expect.objectContaining({ field: 'cart.items[0].quantity' })]);
  });

  it('when the stock cache is down, then 503 DEPENDENCY_UNAVAILABLE', async () => {
    const down: StockClient = {
      levels: async () => {
        throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      },
    };
    const res = await request(appWith(down))
      .post('/validate')
      .send({ cart: { items: [line('sku-001', 1)] } });
    expect(res.status).toBe(503);
    expect(res.body.error).toBe('DEPENDENCY_UNAVAILABLE');
  });
});

describe('GET /products', () => {
  it('lists at least 20 products priced in cents', async () => {
    const res = await request(appWith()).get('/products');
    expect(res.body.items.length).toBeGreaterThanOrEqual(20);
    for (const p of res.body.items) expect(Number.isInteger(p.price)).toBe(true);
  });

  it('answers one product, or 404', async () => {
    expect((await request(appWith()).get('/products/sku-001')).body).toMatchObject({
      productId: 'sku-001',
      price: 2499,
    });
    expect((await request(appWith()).get('/products/nope')).status).toBe(404);
  });

  it("when the catalog is read, then the page's browser may keep it a minute (no shared cache); a 404 or a validation is kept by none", async () => {
    expect((await request(appWith()).get('/products')).headers['cache-control']).toBe('private, max-age=60');
    expect((await request(appWith()).get('/products/sku-001')).headers['cache-control']).toBe('private, max-age=60');
    expect((await request(appWith()).get('/products/nope')).headers['cache-control']).toBe('no-store');
    const validated = await request(appWith())
      .post('/validate')
      .send({ cart: { items: [] } });
    expect(validated.headers['cache-control']).toBe('no-store');
  });
});
