// First: tracing must start before anything loads http or express.
import '@checkout/chassis/dist/tracing/preload';
import { requestWriteWindowMs, Runtime } from '@checkout/chassis';
import { createApp } from './app';
import { createValidationClient } from './clients/validation-client';
import { loadConfig } from './config';
import { OrderChanges } from './domain/order-changes';
import { createHandlers } from './handlers';
import { Reannouncer } from './jobs/reannouncer';
import { IdempotencyStore } from './store/idempotency-store';
import { OrderStore } from './store/order-store';

const service = 'checkout-service';
const config = loadConfig(process.env);
const runtime = new Runtime({ service, config, redisPrefix: 'checkout', kafka: true, cors: true });
const { redis, outbox, prefix } = runtime;
const orders = new OrderStore(
  redis,
  outbox,
  prefix,
  requestWriteWindowMs(config.REDIS_COMMAND_TIMEOUT_MS),
  config.RECORD_RETENTION_MS,
  config.REANNOUNCE_AFTER_MS,
);
const changes = new OrderChanges();
const app = createApp({
  ...runtime.http,
  validation: createValidationClient(config.VALIDATION_URL, config.VALIDATION_TIMEOUT_MS),
  orders,
  idempotency: new IdempotencyStore(redis, {
    prefix,
    ttlSeconds: config.IDEMPOTENCY_TTL_S,
    deadline: () => orders.writeDeadline(),
  }),
  changes,
  ...(config.RATE_LIMIT_PER_MINUTE > 0
    ? { rateLimit: { redis, perMinute: config.RATE_LIMIT_PER_MINUTE, prefix } }
    : {}),
  trustProxy: config.TRUST_PROXY,
  adminToken: config.ADMIN_TOKEN,
  maxUnpaidOrders: config.MAX_UNPAID_ORDERS_PER_CUSTOMER,
});
const started = runtime.start(app, {
  groupId: service,
  handlers: createHandlers({ orders, changes, metrics: runtime.metrics }),
});
if (config.REANNOUNCE_AFTER_MS > 0) {
  const reannouncer = new Reannouncer({
    orders,
    firstWaitMs: config.REANNOUNCE_AFTER_MS,
    longestWaitMs: Math.max(config.REANNOUNCE_AFTER_MS, config.REANNOUNCE_LONGEST_WAIT_MS),
    mostTimes: config.REANNOUNCE_MAX_TIMES,
    logger: runtime.logger,
    metrics: runtime.metrics,
  });
  runtime.onStop('order re-announcer', () => reannouncer.stop());
  // Once the producer is up: what it adds to the outbox is published, not left waiting.
  void started.then(() => reannouncer.start()).catch(() => undefined);
}
