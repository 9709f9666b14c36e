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
}
