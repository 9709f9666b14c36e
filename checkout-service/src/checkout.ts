import { requestWriteWindowMs, type HttpAppDeps, type Outbox, type Redis } from '@checkout/chassis';
import { createApp, type AppDeps } from './app';
import { createValidationClient } from './clients/validation-client';
import type { Config } from './config';
import { OrderChanges } from './domain/order-changes';
import { createHandlers } from './handlers';
import { Reannouncer } from './jobs/reannouncer';
import { IdempotencyStore } from './store/idempotency-store';
import { OrderStore } from './store/order-store';

export interface CheckoutDeps {
  redis: Redis;
  outbox: Outbox;
  prefix: string;
  /** The runtime's logger, metrics, health and CORS origins (`runtime.http`). */
  http: Pick<HttpAppDeps, 'logger' | 'metrics' | 'health' | 'corsOrigins' | 'corsAllowHeaders'>;
  settings: Pick<
    Config,
    | 'VALIDATION_URL'
    | 'VALIDATION_TIMEOUT_MS'
    | 'IDEMPOTENCY_TTL_S'
    | 'RATE_LIMIT_PER_MINUTE'
    | 'MAX_UNPAID_ORDERS_PER_CUSTOMER'
    | 'RECORD_RETENTION_MS'
    | 'REANNOUNCE_AFTER_MS'
    | 'REANNOUNCE_LONGEST_WAIT_MS'
    | 'REANNOUNCE_MAX_TIMES'
    | 'TRUST_PROXY'
    | 'REDIS_COMMAND_TIMEOUT_MS'
  > &
    Partial<Pick<Config, 'ADMIN_TOKEN'>>;
  /** What no setting reaches: the component tests poll a status stream's order more often. */
  statusPollMs?: number;
}

/**
 * The stores, validation client, HTTP app, event handlers and re-announcer, wired the same way in
 * main.ts and in the component tests. The creating write and the Idempotency-Key claim carry a
 * deadline of half the Redis command timeout (none when it is 0).
 */
export function createCheckout({ redis, outbox, prefix, http, settings, statusPollMs }: CheckoutDeps) {
  const orders = new OrderStore(
    redis,
    outbox,
    prefix,
    requestWriteWindowMs(settings.REDIS_COMMAND_TIMEOUT_MS),
    settings.RECORD_RETENTION_MS,
    settings.REANNOUNCE_AFTER_MS,
  );
  const changes = new OrderChanges();
  const appDeps: AppDeps = {
    ...http,
    validation: createValidationClient(settings.VALIDATION_URL, settings.VALIDATION_TIMEOUT_MS),
    orders,
    idempotency: new IdempotencyStore(redis, {
      prefix,
      ttlSeconds: settings.IDEMPOTENCY_TTL_S,
      deadline: () => orders.writeDeadline(),
    }),
    changes,
    ...(settings.RATE_LIMIT_PER_MINUTE > 0
      ? { rateLimit: { redis, perMinute: settings.RATE_LIMIT_PER_MINUTE, prefix } }
      : {}),
    trustProxy: settings.TRUST_PROXY,
    maxUnpaidOrders: settings.MAX_UNPAID_ORDERS_PER_CUSTOMER,
    ...(settings.ADMIN_TOKEN !== undefined ? { adminToken: settings.ADMIN_TOKEN } : {}),
    ...(statusPollMs !== undefined ? { statusPollMs } : {}),
  };
  const reannouncer =
    settings.REANNOUNCE_AFTER_MS > 0
      ? new Reannouncer({
          orders,
          firstWaitMs: settings.REANNOUNCE_AFTER_MS,
          longestWaitMs: Math.max(settings.REANNOUNCE_AFTER_MS, settings.REANNOUNCE_LONGEST_WAIT_MS),
          mostTimes: settings.REANNOUNCE_MAX_TIMES,
          logger: http.logger,
          metrics: http.metrics,
        })
      : undefined;
  return {
    orders,
    changes,
    /** What the app was made of, for a test to make one with a part replaced. */
    appDeps,
    app: createApp(appDeps),
    handlers: createHandlers({ orders, changes, metrics: http.metrics }),
    /** Re-announces open orders; none when REANNOUNCE_AFTER_MS is 0. */
    reannouncer,
  };
}
