import { baseConfigSchema, intSetting, loadConfigFrom } from '@checkout/chassis';
import { z } from 'zod';

const schema = baseConfigSchema.extend({
  // Off the confirm path: a longer fetch wait on the mock broker costs no saga latency and saves CPU.
  KAFKA_MAX_WAIT_MS: intSetting(100),
  PORT: z.coerce.number().int().min(0).max(65535).default(3006),
});

export type Config = z.infer<typeof schema>;
export const loadConfig = (env: NodeJS.ProcessEnv): Readonly<Config> => loadConfigFrom(schema, env);
