import { Runtime, connectRedis } from '@checkout/chassis';
import { createApp } from './app';
import { loadConfig } from './config';
import { loadDemoStock } from './domain/demo-stock';
import { createInventory } from './inventory';

const SERVICE = 'inventory-service';

const config = loadConfig(process.env);
const runtime = new Runtime({ service: SERVICE, config, redisPrefix: 'inventory', kafka: true });
const { redis, outbox, logger } = runtime;
if (!redis || !outbox) throw new Error('inventory-service needs Redis and the outbox');
const inventory = createInventory({ redis, outbox, logger, metrics: runtime.metrics, settings: config });
const app = createApp({ ...runtime, ...inventory, adminToken: config.ADMIN_TOKEN });
runtime.onStop('expiry-sweeper', () => inventory.sweeper.stop());

const start = async (): Promise<void> => {
  // Seed before the consumer joins, so no order.created meets an empty store on a first start.
  await connectRedis(redis);
  const seeded = await inventory.stock.seed(loadDemoStock());
  if (seeded > 0) logger.info({ products: seeded }, 'demo stock seeded');
  inventory.sweeper.start();
  await runtime.start(app, { groupId: SERVICE, handlers: inventory.handlers });
};

start().catch((err: unknown) => {
  logger.fatal({ err }, 'start-up failed');
  process.exit(1);
});
