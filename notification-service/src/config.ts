import {
  baseConfigSchema,
  blankAsUnset,
  intSetting,
  loadConfigFrom,
  nonNegativeIntSetting,
  portSetting,
  recordRetentionSetting,
} from '@checkout/chassis';
import { z } from 'zod';

const schema = baseConfigSchema.extend({
  // Off the confirm path: a longer fetch wait on the mock broker, and at most one fetch per interval
  // under load, cost no saga latency and save CPU.
  KAFKA_MAX_WAIT_MS: intSetting(100),
  KAFKA_MIN_FETCH_INTERVAL_MS: nonNegativeIntSetting(100),
  PORT: portSetting(3005),
  /** When set (smtp://user:pass@host:587), notifications go out by email; otherwise they are only recorded and logged. */
  SMTP_URL: blankAsUnset(z.string().url().optional()),
  SMTP_FROM: blankAsUnset(z.string().min(3).default('Checkout <no-reply@example.com>')),
  RECORD_RETENTION_MS: recordRetentionSetting(),
});

export type Config = z.infer<typeof schema>;
export const loadConfig = (env: NodeJS.ProcessEnv): Readonly<Config> => loadConfigFrom(schema, env);
