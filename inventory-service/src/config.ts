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
  // An expired reservation held this long for a pending payment has its stock.reserved announced
  // again (payment-service may never have got it); 0 turns it off. The wait then doubles, up to
  // 10 min, and after the most times the reservation is left to an operator (about 45 min by default).
  HELD_REANNOUNCE_AFTER_MS: nonNegativeIntSetting(60_000),
  HELD_REANNOUNCE_MAX_TIMES: intSetting(6, { max: 100 }),
  RECORD_RETENTION_MS: recordRetentionSetting(),
  // Seed an empty store with the demo stock (the contract's default). false: a store with real
  // stock, where a Redis that lost its data must stay empty rather than sell the demo levels.
  DEMO_STOCK: booleanSetting(true),
});

export type Config = z.infer<typeof schema>;
export const loadConfig = (env: NodeJS.ProcessEnv): Readonly<Config> => loadConfigFrom(schema, env);
