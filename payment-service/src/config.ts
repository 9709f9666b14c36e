import { baseConfigSchema, loadConfigFrom, portSetting, recordRetentionSetting } from '@checkout/chassis';
import { z } from 'zod';

const ms = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const schema = baseConfigSchema.extend({
  PORT: portSetting(3004),
  PAYMENT_GATEWAY_URL: z.string().url().default('http://127.0.0.1:3010'),
  PAYMENT_MAX_RETRIES: z.coerce.number().int().min(0).max(20).default(5),
  PAYMENT_ATTEMPT_TIMEOUT_MS: ms(2000),
  PAYMENT_BACKOFF_BASE_MS: ms(100),
  // Renewed before every retry: must outlast one wait plus one attempt, and after the last attempt
  // the look-up and the write (≤ 5 s + 3 × the attempt timeout), or a second worker would resume a
  // charge that is still running.
  PAYMENT_LEASE_MS: ms(60_000),
  PAYMENT_SWEEP_INTERVAL_MS: ms(5000),
  RECORD_RETENTION_MS: recordRetentionSetting(),
});

export type Config = z.infer<typeof schema>;
export const loadConfig = (env: NodeJS.ProcessEnv): Readonly<Config> => loadConfigFrom(schema, env);
