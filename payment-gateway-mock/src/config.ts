import { baseConfigSchema, loadConfigFrom } from '@checkout/chassis';
import { z } from 'zod';

const schema = baseConfigSchema.extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(3010),
});

export type Config = z.infer<typeof schema>;
export const loadConfig = (env: NodeJS.ProcessEnv): Readonly<Config> => loadConfigFrom(schema, env);
