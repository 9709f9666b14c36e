import {
  baseConfigSchema,
  intSetting,
  loadConfigFrom,
  nonNegativeIntSetting,
  optionalRetentionSetting,
  portSetting,
} from '@checkout/chassis';
import type { z } from 'zod';

const schema = baseConfigSchema.extend({
  // Off the confirm path: a longer fetch wait on the mock broker, and at most one fetch per interval
  // under load, cost no saga latency and save CPU.
  KAFKA_MAX_WAIT_MS: intSetting(100),
  KAFKA_MIN_FETCH_INTERVAL_MS: nonNegativeIntSetting(100),
  PORT: portSetting(3006),
  // 0: the log is kept for good (see optionalRetentionSetting).
  AUDIT_RETENTION_MS: optionalRetentionSetting(),
});

export type Config = z.infer<typeof schema>;
export const loadConfig = (env: NodeJS.ProcessEnv): Readonly<Config> => loadConfigFrom(schema, env);
