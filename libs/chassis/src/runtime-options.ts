import type { z } from 'zod';
import type { baseConfigSchema } from './config';

export type BaseConfig = z.infer<typeof baseConfigSchema>;

export interface RuntimeOptions {
  service: string;
  config: BaseConfig;
  /** Owner prefix of every Redis key; omit for a service without Redis. */
  redisPrefix?: string;
  /** Whether the service produces to Kafka (consumers imply it). */
  kafka?: boolean;
  /**
   * Whether browser pages of CORS_ORIGINS may read its answers: only for what a shop's page calls
   * (checkout, the catalog, stock levels). The setting is shared (one ConfigMap for all), so a
   * service holding customer data (audit, notifications) or admin endpoints never opts in.
   */
  cors?: boolean;
  /** Whether its log lines are written synchronously (synchronousStdout): where a line records an act. */
  syncLogs?: boolean;
}
