import { Router } from 'express';
import { notFound } from '@checkout/chassis';
import type { Catalog } from '../domain/catalog';

export function productsRouter(catalog: Catalog): Router {
  const router = Router();
  router.get('/products', (_req, res) => {
    res.json({ items: [...catalog.values()] });
  });
  router.get('/products/:productId', (req, res) => {
    const product = catalog.get(req.params.productId);
    if (!product) throw notFound('product', req.params.productId);
    res.json(product);
  });
  return router;
}
