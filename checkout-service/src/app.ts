import { createHttpApp, type HttpAppDeps } from '@checkout/chassis';
import type { Express } from 'express';
import type { ValidationClient } from './clients/validation-client';
import type { OrderChanges } from './domain/order-changes';
import type { IdempotencyStore } from './store/idempotency-store';
import type { OrderStore } from './store/order-store';
import { checkoutRouter } from './routes/checkout';
import { ordersRouter } from './routes/orders';

export interface AppDeps extends HttpAppDeps {
  validation: ValidationClient;
  orders: OrderStore;
  idempotency: IdempotencyStore;
  changes: OrderChanges;
  statusPollMs?: number;
}

export const createApp = (deps: AppDeps): Express =>
  createHttpApp(deps, (app) => {
    app.use(checkoutRouter(deps));
    app.use(ordersRouter(deps));
  });
