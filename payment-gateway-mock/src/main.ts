// First: tracing must start before anything loads http or express.
import '@checkout/chassis/dist/tracing/preload';
import { Runtime, configOrExit } from '@checkout/chassis';
import { createApp } from './app';
import { loadConfig } from './config';

// No Redis, no Kafka: like the external gateway it stands in for, it keeps its own state in memory.
const config = configOrExit('payment-gateway-mock', loadConfig);
const runtime = new Runtime({ service: 'payment-gateway-mock', config });
void runtime.start(
  createApp({
    ...runtime.http,
    adminToken: config.ADMIN_TOKEN,
    memory: { max: config.GATEWAY_MEMORY_MAX, ttlMs: config.GATEWAY_MEMORY_TTL_MS },
  }),
);
