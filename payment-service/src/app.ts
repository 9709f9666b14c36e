import { createHttpApp, type HttpAppDeps } from '@checkout/chassis';
import type { Express } from 'express';
import { paymentsRouter } from './routes/payments';
import type { PaymentStore } from './store/payment-store';

export interface AppDeps extends HttpAppDeps {
  store: PaymentStore;
}

export const createApp = (deps: AppDeps): Express =>
  createHttpApp(deps, (app) => {
    app.use(paymentsRouter(deps.store));
  });
