import { Router } from 'express';
import { notFound, parseInput } from '@checkout/chassis';
import { StockQueryRequest } from '@checkout/contracts';
import type { StockReader } from '../domain/stock-reader';

export function stockRouter(reader: StockReader): Router {
  const router = Router();
  router.post('/stock/query', async (req, res) => {
    const { productIds } = parseInput(StockQueryRequest, req.body);
    res.json({ items: await reader.read(productIds) });
  });
  router.get('/stock/:productId', async (req, res) => {
    const [item] = await reader.read([req.params.productId]);
    if (!item) throw notFound(`stock of ${req.params.productId}`);
    res.json(item);
  });
  return router;
}
