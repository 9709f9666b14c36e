'use strict';
// What the bench orders: catalog prices, ample seeded stock, and one distinct customer per order.
const { randomUUID } = require('node:crypto');
const { getJson, request, mapLimit } = require('./http');

const AMPLE = 100_000_000;

async function loadCatalog(urls) {
  const { items } = await getJson(`${urls.validation}/products`);
  if (!items?.length) throw new Error('validation-service lists no products');
  return items;
}

/** Sets every product to AMPLE stock; waits until the cache would let validation see it. */
async function seedStock(urls, adminToken, catalog) {
  const headers = { authorization: `Bearer ${adminToken}` };
  await mapLimit(catalog, 4, async ({ productId }) => {
    const res = await request(`${urls.inventory}/inventory/${productId}`, {
      method: 'PUT',
      payload: { available: AMPLE },
      headers,
    });
    if (res.status !== 200)
      throw new Error(
        `PUT /inventory/${productId} answered ${res.status || res.error}: ${res.body ?? ''} (is the admin token right?)`,
      );
    const { version } = res.json();
    if (!urls.cache) return;
    const deadline = Date.now() + 30_000;
    for (;;) {
      const cached = await request(`${urls.cache}/stock/${productId}`);
      if (cached.status === 200 && cached.json().version >= version) return;
      if (Date.now() > deadline) throw new Error(`the cache never showed ${productId} at version ${version}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  });
}

/** { productId: available + reserved + sold }: what the no-oversell invariant compares against. */
async function stockTotals(urls) {
  const { items } = await getJson(`${urls.inventory}/inventory`);
  return Object.fromEntries(items.map((i) => [i.productId, i.available + i.reserved + i.sold]));
}

/** Bodies of 3 catalog lines at catalog prices, pre-serialized; a new customer id each. */
function bodyMaker(catalog) {
  const run = randomUUID().slice(0, 8);
  const n = catalog.length;
  return (seq) => {
    const lines = [0, 1, 2].slice(0, Math.min(3, n)).map((k) => catalog[(seq + k * 3) % n]);
    const unique = [...new Map(lines.map((p) => [p.productId, p])).values()];
    return JSON.stringify({
      cart: { items: unique.map((p) => ({ productId: p.productId, quantity: 1, price: p.price })), currency: 'USD' },
      customer: { id: `bench-${run}-${seq}`, name: 'Bench Customer', email: `bench+${seq}@example.com` },
      payment: { token: 'tok_visa' },
    });
  };
}

module.exports = { loadCatalog, seedStock, stockTotals, bodyMaker, AMPLE };
