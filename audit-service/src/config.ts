import {
  baseConfigSchema,
  blankAsUnset,
  intSetting,
  loadConfigFrom,
  nonNegativeIntSetting,
  portSetting,
} from '@checkout/chassis';
import { z } from 'zod';

const WEEK_MS = 7 * 86_400_000;

const schema = baseConfigSchema.extend({
  // Off the confirm path: a longer fetch wait on the mock broker, and at most one fetch per interval
  // under load, cost no saga latency and save CPU.
  KAFKA_MAX_WAIT_MS: intSetting(100),
  KAFKA_MIN_FETCH_INTERVAL_MS: nonNegativeIntSetting(100),
  PORT: portSetting(3006),
  // 0: the log is kept for good. Otherwise at least Kafka's default retention: a redelivered event
  // must still find its dedupe marker, or it would be recorded twice.
  AUDIT_RETENTION_MS: blankAsUnset(
    z.coerce
      .number()
      .int()
      .refine((ms) => ms === 0 || ms >= WEEK_MS, `must be 0 (kept for good) or at least 7 days (${WEEK_MS} ms)`)
      .default(0),
  ),
});

export type Config = z.infer<typeof schema>;
export const loadConfig = (env: NodeJS.ProcessEnv): Readonly<Config> => loadConfigFrom(schema, env);
