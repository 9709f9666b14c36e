import { createHttpApp, type HttpAppDeps } from '@checkout/chassis';
import type { Express } from 'express';
import type { ValidationClient } from './clients/validation-client';
import type { OrderChanges } from './domain/order-changes';
import type { IdempotencyStore } from './store/idempotency-store';
import type { OrderStore } from './store/order-store';
import { checkoutRouter } from './routes/checkout';
import { docsRouter } from './routes/docs';
import { ordersRouter } from './routes/orders';
import { checkoutRateLimit, type RateLimitOptions } from './routes/rate-limit';

export interface AppDeps extends HttpAppDeps {
  validation: ValidationClient;
  orders: OrderStore;
  idempotency: IdempotencyStore;
  changes: OrderChanges;
  statusPollMs?: number;
  /** Status streams one instance holds open at most (default 10000). */
  maxStreams?: number;
  /** Per-client limit of POST /checkout; absent means unlimited (component tests of other behaviour). */
  rateLimit?: RateLimitOptions;
  /** Take the client IP from X-Forwarded-For (only behind a proxy that overwrites it). */
  trustProxy?: boolean;
  /** Unpaid (PENDING or STOCK_RESERVED) orders one customer may hold at once. */
  maxUnpaidOrders?: number;
}

export const createApp = (deps: AppDeps): Express =>
  createHttpApp(deps, (app) => {
    app.set('trust proxy', deps.trustProxy ?? false);
    if (deps.rateLimit) app.post('/checkout', checkoutRateLimit(deps.rateLimit, deps.logger));
    app.use(checkoutRouter(deps));
    app.use(ordersRouter(deps));
    app.use(docsRouter());
  });
