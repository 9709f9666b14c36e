import { Router, type Request } from 'express';
import { AppError, contextOf, dependencyUnavailable, notFound, parseInput, requireAdmin } from '@checkout/chassis';
import { ProductId, SetStockRequest } from '@checkout/contracts';
import type { StockStore } from '../store/stock-store';

/** An item's version as an entity tag, so an admin can update it only if it did not change. */
const etag = (version: number): string => `"${version}"`;

/** The version an If-Match asks for; undefined without the header. */
function ifMatchVersion(req: Request): number | undefined {
  const header = req.header('if-match');
  if (header === undefined) return undefined;
  const match = /^"(\d{1,15})"$/.exec(header.trim());
  if (!match) {
    const detail = {
      field: 'If-Match',
      code: 'invalid_etag',
      message: 'expected the ETag of GET /inventory/{productId}',
    };
    throw new AppError('BAD_REQUEST', 400, 'invalid If-Match header', [detail]);
  }
  return Number(match[1]);
}

export function inventoryRouter(stock: StockStore, adminToken: string | undefined, demoStock: boolean): Router {
  const router = Router();
  router.get('/inventory', async (_req, res) => {
    // With DEMO_STOCK, an empty store without the seed's marker is one the seed has not filled yet
    // (a Redis that came back empty, before the re-seed ran): not "no products", which the stock
    // cache would take as inventory's whole list and answer every product absent. The marker is read
    // first: the seed writes it with the products in one script, so a list read after a marker
    // found missing holds anything a seed that ran in between loaded.
    const unseeded = demoStock && (await stock.unseeded());
    const items = await stock.list();
    if (items.length === 0 && unseeded) {
      res.set('Retry-After', '1');
      throw new AppError(
        'DEPENDENCY_UNAVAILABLE',
        503,
        'the stock is not loaded: the store is empty and the demo stock seed has not run on it (it runs at start and when Redis reconnects; restart inventory-service after emptying its Redis by hand)',
      );
    }
    res.json({ items });
  });
  router.get('/inventory/:productId', async (req, res) => {
    const item = await stock.get(req.params.productId);
    if (!item) throw notFound('product', req.params.productId, 'productId');
    res.set('ETag', etag(item.version)).json(item);
  });
  router.put('/inventory/:productId', requireAdmin(adminToken), async (req, res) => {
    const productId = parseInput(ProductId, req.params.productId, 'productId');
    const { available } = parseInput(SetStockRequest, req.body);
    const expected = ifMatchVersion(req);
    const { correlationId, traceparent } = contextOf(req);
    const result = await stock.setAvailable(productId, available, correlationId, traceparent, expected);
    // Redis ran the write after its deadline: this request had timed out waiting, and nothing was set.
    if (result === 'expired') throw dependencyUnavailable('redis');
    if ('stale' in result) {
      const now = result.version === undefined ? 'does not exist' : `is at version ${result.version}`;
      const detail = { field: 'If-Match', code: 'stale', message: `product ${productId} ${now}` };
      throw new AppError('PRECONDITION_FAILED', 412, `product ${productId} changed since it was read: read it again`, [
        detail,
      ]);
    }
    res.set('ETag', etag(result.version)).json(result);
  });
  return router;
}
