import {
  baseConfigSchema,
  intSetting,
  loadConfigFrom,
  portSetting,
  recordRetentionSetting,
  urlSetting,
} from '@checkout/chassis';
import type { z } from 'zod';
import { MAX_RETRY_DELAY_MS } from './clients/retry-policy';

const schema = baseConfigSchema.extend({
  PORT: portSetting(3004),
  PAYMENT_GATEWAY_URL: urlSetting('http://127.0.0.1:3010'),
  PAYMENT_MAX_RETRIES: intSetting(5, { min: 0, max: 20 }),
  PAYMENT_ATTEMPT_TIMEOUT_MS: intSetting(2000),
  PAYMENT_BACKOFF_BASE_MS: intSetting(100),
  // Renewed before every retry: must outlast one wait plus one attempt, and after the last attempt
  // the look-up and the write (≤ 5 s + 3 × the attempt timeout), or a second worker would resume a
  // charge that is still running; and the longest the gateway takes to decide a request it received
  // (a resumed claim reads an empty charge list as no charge; a recheck a lease later reports a late one).
  PAYMENT_LEASE_MS: intSetting(60_000),
  PAYMENT_SWEEP_INTERVAL_MS: intSetting(5000),
  RECORD_RETENTION_MS: recordRetentionSetting(),
});

export type Config = z.infer<typeof schema>;
export const loadConfig = (env: NodeJS.ProcessEnv): Readonly<Config> => loadConfigFrom(schema, env);

/**
 * The shortest lease that outlasts the longest stretch between renewals (one wait and one attempt,
 * and after the last attempt the look-up and the write): with a shorter one, another instance's
 * sweeper resumes a charge still running. Tests run shorter ones on purpose, so it is a warning.
 */
export const shortestSafeLeaseMs = (config: Pick<Config, 'PAYMENT_ATTEMPT_TIMEOUT_MS'>): number =>
  MAX_RETRY_DELAY_MS + 3 * config.PAYMENT_ATTEMPT_TIMEOUT_MS;
