// First: tracing must start before anything loads http or express.
import '@checkout/chassis/dist/tracing/preload';
import { Runtime, configOrExit } from '@checkout/chassis';
import { createApp } from './app';
import { createPaymentClient } from './clients/payment-client';
import { loadConfig } from './config';
import { createInventory } from './inventory';
import { keepDemoStock } from './jobs/demo-stock-seeder';
import { startSweeperWhenCaughtUp } from './jobs/sweeper-start';

const SERVICE = 'inventory-service';

const config = configOrExit('inventory-service', loadConfig);
const runtime = new Runtime({ service: SERVICE, config, redisPrefix: 'inventory', kafka: true });
const { redis, outbox, logger } = runtime;
const inventory = createInventory({
  redis,
  outbox,
  logger,
  metrics: runtime.metrics,
  payments: createPaymentClient(config.PAYMENT_URL, config.PAYMENT_TIMEOUT_MS),
  settings: config,
});
const app = createApp({ ...runtime.http, ...inventory, adminToken: config.ADMIN_TOKEN, demoStock: config.DEMO_STOCK });
runtime.onStop('expiry-sweeper', () => inventory.sweeper.stop());
if (config.DEMO_STOCK) keepDemoStock(runtime, redis, inventory.stock, logger);

// Given up only once shutdown began.
void runtime
  .start(app, { groupId: SERVICE, handlers: inventory.handlers })
  .then(() =>
    startSweeperWhenCaughtUp(runtime, runtime.kafka, SERVICE, Object.keys(inventory.handlers), inventory.sweeper),
  )
  .catch(() => undefined);
