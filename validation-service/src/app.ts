import { createHttpApp, type HttpAppDeps } from '@checkout/chassis';
import type { Express } from 'express';
import type { StockClient } from './clients/stock-client';
import type { Catalog } from './domain/catalog';
import { productsRouter } from './routes/products';
import { validateRouter } from './routes/validate';

export interface AppDeps extends HttpAppDeps {
  catalog: Catalog;
  stock: StockClient;
}

export const createApp = (deps: AppDeps): Express =>
  createHttpApp(deps, (app) => {
    app.use(validateRouter(deps.catalog, deps.stock));
    app.use(productsRouter(deps.catalog));
  });
