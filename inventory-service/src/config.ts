import {
  baseConfigSchema,
  booleanSetting,
  intSetting,
  loadConfigFrom,
  nonNegativeIntSetting,
  portSetting,
  recordRetentionSetting,
  urlSetting,
} from '@checkout/chassis';
import type { z } from 'zod';

const schema = baseConfigSchema.extend({
  PORT: portSetting(3003),
  RESERVATION_TTL_MS: intSetting(900_000),
  // Lets a payment attempt that started just before expiresAt finish before the stock goes back.
  RESERVATION_GRACE_MS: nonNegativeIntSetting(10_000),
  EXPIRY_SWEEP_MS: intSetting(250),
  // Asked before an expired reservation is released (its payment may still be charging).
  PAYMENT_URL: urlSetting('http://127.0.0.1:3004'),
  PAYMENT_TIMEOUT_MS: intSetting(1000),
  RECORD_RETENTION_MS: recordRetentionSetting(),
  // Seed an empty store with the demo stock (the contract's default). false: a store with real
  // stock, where a Redis that lost its data must stay empty rather than sell the demo levels.
  DEMO_STOCK: booleanSetting(true),
});

export type Config = z.infer<typeof schema>;
export const loadConfig = (env: NodeJS.ProcessEnv): Readonly<Config> => loadConfigFrom(schema, env);
