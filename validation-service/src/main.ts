// First: tracing must start before anything loads http or express.
import '@checkout/chassis/dist/tracing/preload';
import { Runtime, configOrExit } from '@checkout/chassis';
import { createApp } from './app';
import { createStockClient } from './clients/stock-client';
import { loadConfig } from './config';
import { loadCatalog } from './domain/catalog';

const config = configOrExit('validation-service', loadConfig);
const runtime = new Runtime({ service: 'validation-service', config, cors: true });
const app = createApp({
  ...runtime.http,
  catalog: loadCatalog(),
  stock: createStockClient(config.INVENTORY_CACHE_URL, config.STOCK_QUERY_TIMEOUT_MS),
});
void runtime.start(app);
