import { Router } from 'express';
import { contextOf, notFound, parseInput } from '@checkout/chassis';
import { ProductId, StockQueryRequest } from '@checkout/contracts';
import type { StockReader } from '../domain/stock-reader';

export function stockRouter(reader: StockReader): Router {
  const router = Router();
  router.post('/stock/query', async (req, res) => {
    const { productIds } = parseInput(StockQueryRequest, req.body);
    res.json({ items: await reader.read(productIds, contextOf(req)) });
  });
  router.get('/stock/:productId', async (req, res) => {
    // What is not a product id names no product (nor the store's own fields, such as its sync mark).
    const [item] = ProductId.safeParse(req.params.productId).success
      ? await reader.read([req.params.productId], contextOf(req))
      : [];
    if (!item) throw notFound('stock of', req.params.productId, 'productId');
    res.json(item);
  });
  return router;
}
