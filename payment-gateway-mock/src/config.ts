import { baseConfigSchema, loadConfigFrom, portSetting } from '@checkout/chassis';
import { z } from 'zod';

const schema = baseConfigSchema.extend({
  PORT: portSetting(3010),
});

export type Config = z.infer<typeof schema>;
export const loadConfig = (env: NodeJS.ProcessEnv): Readonly<Config> => loadConfigFrom(schema, env);
