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
import { z } from 'zod';
import { DEFAULT_MAX_UNPAID_ORDERS } from './domain/unpaid-orders';

const schema = baseConfigSchema.extend({
  PORT: portSetting(3000),
  VALIDATION_URL: urlSetting('http://127.0.0.1:3001'),
  VALIDATION_TIMEOUT_MS: intSetting(2000),
  IDEMPOTENCY_TTL_S: intSetting(86_400),
  // Abuse limits, off (0) unless set: the contract's POST /checkout answers no 429, and a limit per
  // client IP counts every client as one behind a proxy unless TRUST_PROXY is set.
  RATE_LIMIT_PER_MINUTE: nonNegativeIntSetting(0),
  MAX_UNPAID_ORDERS_PER_CUSTOMER: nonNegativeIntSetting(DEFAULT_MAX_UNPAID_ORDERS),
  RECORD_RETENTION_MS: recordRetentionSetting(),
  // An order open this long has its order.created announced again (the broker may have lost it or
  // its answers); 0 turns re-announcing off. The wait then doubles per order, up to the longest,
  // and after the most times the order is left to an operator (30 s … about 45 min by default).
  REANNOUNCE_AFTER_MS: nonNegativeIntSetting(30_000),
  REANNOUNCE_LONGEST_WAIT_MS: intSetting(600_000),
  REANNOUNCE_MAX_TIMES: intSetting(8, { max: 100 }),
  // Off by default: X-Forwarded-For is client-controlled unless a proxy we run overwrites it.
  TRUST_PROXY: booleanSetting(false),
});

export type Config = z.infer<typeof schema>;
export const loadConfig = (env: NodeJS.ProcessEnv): Readonly<Config> => loadConfigFrom(schema, env);
