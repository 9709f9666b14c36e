import {
  baseConfigSchema,
  intSetting,
  loadConfigFrom,
  nonNegativeIntSetting,
  portSetting,
  urlSetting,
} from '@checkout/chassis';
import type { z } from 'zod';

const schema = baseConfigSchema.extend({
  // Off the confirm path: a longer fetch wait on the mock broker, and at most one fetch per interval
  // under load, cost no saga latency and save CPU.
  KAFKA_MAX_WAIT_MS: intSetting(100),
  KAFKA_MIN_FETCH_INTERVAL_MS: nonNegativeIntSetting(100),
  PORT: portSetting(3002),
  INVENTORY_URL: urlSetting('http://127.0.0.1:3003'),
  INVENTORY_TIMEOUT_MS: intSetting(2000),
  // A miss for a product inventory does not know either must not turn every query into a full sync.
  SYNC_MIN_INTERVAL_MS: nonNegativeIntSetting(1000),
  // A full sync this often (0: never), so a level whose event the cache missed is not served for good.
  SYNC_EVERY_MS: nonNegativeIntSetting(60_000),
});

export type Config = z.infer<typeof schema>;
export const loadConfig = (env: NodeJS.ProcessEnv): Readonly<Config> => loadConfigFrom(schema, env);
