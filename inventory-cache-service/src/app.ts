import { createHttpApp, type HttpAppDeps } from '@checkout/chassis';
import type { Express } from 'express';
import type { StockReader } from './domain/stock-reader';
import { stockRouter } from './routes/stock';

export interface AppDeps extends HttpAppDeps {
  reader: StockReader;
}

export const createApp = (deps: AppDeps): Express =>
  createHttpApp(deps, (app) => {
    app.use(stockRouter(deps.reader));
  });
