import { Router } from 'express';
import { contextOf, notFound, parseInput, requireAdmin } from '@checkout/chassis';
import { ProductId, SetStockRequest } from '@checkout/contracts';
import type { StockStore } from '../store/stock-store';

export function inventoryRouter(stock: StockStore, adminToken: string | undefined): Router {
  const router = Router();
  router.get('/inventory', async (_req, res) => {
    res.json({ items: await stock.list() });
  });
  router.get('/inventory/:productId', async (req, res) => {
    const item = await stock.get(req.params.productId);
    if (!item) throw notFound(`product ${req.params.productId}`);
    res.json(item);
  });
  router.put('/inventory/:productId', requireAdmin(adminToken), async (req, res) => {
    const productId = parseInput(ProductId, req.params.productId, 'productId');
    const { available } = parseInput(SetStockRequest, req.body);
    const { correlationId, traceparent } = contextOf(req);
    res.json(await stock.setAvailable(productId, available, correlationId, traceparent));
  });
  return router;
}
