import { createHttpApp, type HttpAppDeps } from '@checkout/chassis';
import type { Express } from 'express';
import type { ValidationClient } from './clients/validation-client';
import type { OrderChanges } from './domain/order-changes';
import type { IdempotencyStore } from './store/idempotency-store';
import type { OrderStore } from './store/order-store';
import { openOrderGauges } from './domain/saga-metrics';
import { checkoutRouter } from './routes/checkout';
import { docsRouter } from './routes/docs';
import { openOrdersRouter } from './routes/open-orders';
import { ordersRouter } from './routes/orders';
import { checkoutRateLimit, type RateLimitOptions } from './routes/rate-limit';

export interface AppDeps extends HttpAppDeps {
  validation: ValidationClient;
  orders: OrderStore;
  idempotency: IdempotencyStore;
  changes: OrderChanges;
  statusPollMs?: number;
  /** How often an open status stream sends a comment line while its order waits (default 15 s). */
  keepAliveMs?: number;
  /** Status streams one instance holds open at most (default 10000). */
  maxStreams?: number;
  /** Per-client limit of POST /checkout; absent means unlimited (component tests of other behaviour). */
  rateLimit?: RateLimitOptions;
  /** Take the client IP from X-Forwarded-For (only behind a proxy that overwrites it). */
  trustProxy?: boolean;
  /** Unpaid (PENDING or STOCK_RESERVED) orders one customer may hold at once. */
  maxUnpaidOrders?: number;
  /** ADMIN_TOKEN: the admin routes answer 403 without one configured. */
  adminToken?: string;
}

export const createApp = (deps: AppDeps): Express => {
  openOrderGauges(deps.metrics, () => deps.orders.openSummary());
  return createHttpApp(deps, (app) => {
    app.set('trust proxy', deps.trustProxy ?? false);
    if (deps.rateLimit) app.post('/checkout', checkoutRateLimit(deps.rateLimit, deps.logger));
    app.use(checkoutRouter(deps));
    app.use(ordersRouter(deps));
    app.use(openOrdersRouter(deps.orders, deps.adminToken));
    app.use(docsRouter());
  });
};
