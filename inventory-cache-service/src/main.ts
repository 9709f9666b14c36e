// First: tracing must start before anything loads http or express.
import '@checkout/chassis/dist/tracing/preload';
import { Runtime, configOrExit } from '@checkout/chassis';
import { createApp } from './app';
import { createInventoryClient } from './clients/inventory-client';
import { loadConfig } from './config';
import { FullSync } from './domain/full-sync';
import { StockReader } from './domain/stock-reader';
import { stockHandlers } from './handlers';
import { periodicResync, reportWentBack, resyncOnReconnect } from './jobs/resync';
import { StockStore } from './store/stock-store';

const service = 'inventory-cache-service';
const config = configOrExit('inventory-cache-service', loadConfig);
const runtime = new Runtime({ service, config, redisPrefix: 'inventory-cache', kafka: true, cors: true });
const store = new StockStore(runtime.redis, runtime.prefix);
const sync = new FullSync({
  source: createInventoryClient(config.INVENTORY_URL, config.INVENTORY_TIMEOUT_MS),
  target: store,
  minIntervalMs: config.SYNC_MIN_INTERVAL_MS,
  onWentBack: reportWentBack(runtime),
});
const app = createApp({ ...runtime.http, reader: new StockReader(store, sync, runtime.logger) });

// inventory-service may still be starting: keep trying to warm an empty cache until it answers
// (or shutdown began).
const warmUp = () =>
  runtime.untilDone('warm-up sync', async () => {
    if (await sync.fillIfUnsynced()) runtime.logger.info('cache filled from inventory-service');
  });

const resync = periodicResync(sync, config.SYNC_EVERY_MS, runtime);
resyncOnReconnect(runtime.redis, sync, runtime.logger);
runtime.onStop('periodic full sync', () => resync.stop());

void runtime
  .start(app, { groupId: service, handlers: stockHandlers(store) })
  .then(warmUp)
  .then(() => config.SYNC_EVERY_MS > 0 && resync.start())
  .catch(() => undefined);
