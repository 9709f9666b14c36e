import { Router } from 'express';
import { notFound } from '@checkout/chassis';
import type { Catalog } from '../domain/catalog';

/**
 * The catalog is read from the service's data file at start and changes only with a deploy, so a
 * shop's pages may keep it a minute (every other answer is no-store). A page that shows a price from
 * before a change gets 422 PRICE_MISMATCH with the new one, as it would without a cache. `private`:
 * a shared cache (a CDN) would hand every visitor the first one's x-correlation-id, and, if it
 * ignored Vary: Origin, one shop's CORS answer to another.
 */
const CATALOG_CACHE = 'private, max-age=60';

export function productsRouter(catalog: Catalog): Router {
  const router = Router();
  router.get('/products', (_req, res) => {
    res.set('Cache-Control', CATALOG_CACHE).json({ items: [...catalog.values()] });
  });
  router.get('/products/:productId', (req, res) => {
    const product = catalog.get(req.params.productId);
    if (!product) throw notFound('product', req.params.productId, 'productId');
    res.set('Cache-Control', CATALOG_CACHE).json(product);
  });
  return router;
}
