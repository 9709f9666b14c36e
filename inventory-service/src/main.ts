// First: tracing must start before anything loads http or express.
import '@checkout/chassis/dist/tracing/preload';
import { Runtime, waitUntilCaughtUp } from '@checkout/chassis';
import { createApp } from './app';
import { createPaymentClient } from './clients/payment-client';
import { loadConfig } from './config';
import { loadDemoStock } from './domain/demo-stock';
import { createInventory } from './inventory';

const SERVICE = 'inventory-service';

const config = loadConfig(process.env);
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
const app = createApp({ ...runtime.http, ...inventory, adminToken: config.ADMIN_TOKEN });
runtime.onStop('expiry-sweeper', () => inventory.sweeper.stop());

/**
 * The sweeper starts once the payment outcomes waiting at start-up are handled. After an outage
 * longer than the reservation TTL, a payment.authorized may be queued for a reservation already
 * past its expiry: released first, its units could go to the orders queued beside it, and the
 * paid order would hold none. Until Kafka answers, nothing is released.
 */
async function startSweeperWhenCaughtUp(): Promise<void> {
  const outcomes = Object.keys(inventory.handlers).filter((topic) => topic.startsWith('payment.'));
  const stopped = () => runtime.health.shuttingDown;
  await runtime.untilDone(
    'telling whether the queued payment outcomes are handled (the expiry sweeper waits)',
    async () => {
      if (await waitUntilCaughtUp(runtime.kafka, SERVICE, outcomes, { stopped })) inventory.sweeper.start();
    },
  );
}

const seedDemoStock = async (): Promise<number> => {
  const seeded = await inventory.stock.seed(loadDemoStock());
  if (seeded > 0) logger.info({ products: seeded }, 'demo stock seeded');
  return seeded;
};

// Seeded before the consumer joins, so no order.created meets an empty store on a first start; and
// again on every reconnect, since a Redis restarted without persistence comes back empty while this
// process runs on. A store with stock or a seed marker is left alone, so repeats are harmless. Sent
// from the 'ready' event itself, the seed reaches Redis ahead of any handler's retried command.
// DEMO_STOCK=false (a deployment whose stock is real) seeds nothing, ever.
let seededOnce = false;
if (config.DEMO_STOCK) {
  runtime.onStart('demo stock seed', async () => {
    await seedDemoStock();
    seededOnce = true;
  });
  redis.on('ready', () => {
    // The first connect is start-up's (above), before the producer and relay are up. Retried until
    // it succeeds; it gives up only once shutdown began.
    if (!seededOnce) return;
    runtime
      .untilDone('demo stock re-seed', async () => {
        // Found empty after having had stock: whatever was sold or set since is forgotten, and the
        // demo levels put units that are gone on sale again.
        if ((await seedDemoStock()) > 0)
          logger.error(
            'the stock was lost (Redis came back empty) and the demo stock was seeded again: units sold or levels set before are forgotten; set real levels with PUT /inventory/{productId}, or run with DEMO_STOCK=false',
          );
      })
      .catch(() => undefined);
  });
}

// Given up only once shutdown began.
void runtime
  .start(app, { groupId: SERVICE, handlers: inventory.handlers })
  .then(startSweeperWhenCaughtUp)
  .catch(() => undefined);
