import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

const isNoScript = (err: unknown): boolean => err instanceof Error && err.message.startsWith('NOSCRIPT');

let resent = 0;

/** Script calls of this process that were sent again in full because Redis did not know the script. */
export const scriptsResent = (): number => resent;

/**
 * A Lua script called by its SHA1 (EVALSHA), sent in full (EVAL) only when the server does not
 * know it yet or lost it in a restart. Plain commands rather than ioredis' defineCommand, so that
 * each resend is counted (`scriptsResent`, which `Outbox.publishing` reads).
 */
export function defineScript<Args extends (string | number)[]>(
  redis: Redis,
  numberOfKeys: number,
  lua: string,
): (keys: string[], ...args: Args) => Promise<unknown> {
  const sha = createHash('sha1').update(lua).digest('hex');
  return async (keys, ...args) => {
    try {
      return await redis.evalsha(sha, numberOfKeys, ...keys, ...args);
    } catch (err) {
      if (!isNoScript(err)) throw err;
      resent++;
      return redis.eval(lua, numberOfKeys, ...keys, ...args);
    }
  };
}
