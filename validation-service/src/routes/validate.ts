import { Router } from 'express';
import { contextOf, parseInput } from '@checkout/chassis';
import { ValidateRequest } from '@checkout/contracts';
import type { Catalog } from '../domain/catalog';
import { validateCart } from '../domain/validate-cart';
import type { StockClient } from '../clients/stock-client';

export function validateRouter(catalog: Catalog, stock: StockClient): Router {
  const router = Router();
  router.post('/validate', async (req, res) => {
    const { cart } = parseInput(ValidateRequest, req.body);
    const known = [...new Set(cart.items.map((i) => i.productId))].filter((id) => catalog.has(id));
    res.json(validateCart(cart, catalog, await stock.levels(known, contextOf(req))));
  });
  return router;
}
