import { baseConfigSchema, intSetting, loadConfigFrom, portSetting, urlSetting } from '@checkout/chassis';
import type { z } from 'zod';

const schema = baseConfigSchema.extend({
  PORT: portSetting(3001),
  INVENTORY_CACHE_URL: urlSetting('http://127.0.0.1:3002'),
  STOCK_QUERY_TIMEOUT_MS: intSetting(1000),
});

export type Config = z.infer<typeof schema>;
export const loadConfig = (env: NodeJS.ProcessEnv): Readonly<Config> => loadConfigFrom(schema, env);
