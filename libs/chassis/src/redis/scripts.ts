import type { Redis } from 'ioredis';

/**
 * Registers a Lua script once: ioredis sends EVALSHA and falls back to EVAL after a restart
 * flushed the script cache.
 */
export function defineScript<Args extends (string | number)[]>(
  redis: Redis,
  name: string,
  numberOfKeys: number,
  lua: string,
): (keys: string[], ...args: Args) => Promise<unknown> {
  if (!(name in redis)) redis.defineCommand(name, { numberOfKeys, lua });
  const command = (redis as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[name];
  if (!command) throw new Error(`script ${name} was not registered`);
  return (keys, ...args) => command.call(redis, ...keys, ...args);
}
