import { baseConfigSchema, intSetting, loadConfigFrom, portSetting } from '@checkout/chassis';
import { z } from 'zod';
import { DEFAULT_MEMORY_LIMITS } from './domain/memory';

const schema = baseConfigSchema.extend({
  PORT: portSetting(3010),
  /** Entries kept per kind (tokens, idempotency keys, orders' charges and attempts): memory.ts. */
  GATEWAY_MEMORY_MAX: intSetting(DEFAULT_MEMORY_LIMITS.max),
  GATEWAY_MEMORY_TTL_MS: intSetting(DEFAULT_MEMORY_LIMITS.ttlMs),
});

export type Config = z.infer<typeof schema>;
export const loadConfig = (env: NodeJS.ProcessEnv): Readonly<Config> => loadConfigFrom(schema, env);
