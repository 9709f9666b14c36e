import type { RequestHandler } from 'express';
import { dependencyUnavailable, type Logger } from '@checkout/chassis';
import { rateLimit } from 'express-rate-limit';
import type { Redis } from 'ioredis';
import { RedisStore, type RedisReply } from 'rate-limit-redis';

export interface RateLimitOptions {
  redis: Redis;
  perMinute: number;
  /** Owner prefix of the service's keys; counters live under `<prefix>:ratelimit:`. */
  prefix?: string;
}

/**
 * RedisStore loads its Lua once, when the limiter is built. A service starts before its Redis
 * connection is up, so that load usually fails, and RedisStore would then fail every increment
 * with that first error: the limiter would stay open for good. Here a failed load is redone before
 * the next increment, and any failed increment reloads, so the limit holds from the first request
 * Redis can serve (after a restart too). A limiter that cannot count answers 503: the order could not
 * be written either (it lives in the same Redis), and failing here is quicker than letting the
 * request wait out every later Redis step, and keeps a Redis outage from reaching validation.
 */
class ReloadingRedisStore extends RedisStore {
  private loadFailed = false;

  override async init(...args: Parameters<RedisStore['init']>) {
    try {
      await super.init(...args);
    } catch {
      // Expected at start-up, not worth a warning: the next increment loads it again, and a
      // failure then is answered (503) and logged.
      this.loadFailed = true;
    }
  }

  override async increment(key: string) {
    if (this.loadFailed) this.reload();
    try {
      return await super.increment(key);
    } catch (err) {
      this.reload();
      throw dependencyUnavailable('redis', err);
    }
  }

  private reload(): void {
    this.loadFailed = false;
    this.incrementScriptSha = this.loadIncrementScript();
    this.incrementScriptSha.catch(() => (this.loadFailed = true));
  }
}

/** Per-client-IP limit over a one-minute window shared by every instance through Redis. */
export function checkoutRateLimit(
  { redis, perMinute, prefix = 'checkout' }: RateLimitOptions,
  logger: Logger,
): RequestHandler {
  const store = new ReloadingRedisStore({
    prefix: `${prefix}:ratelimit:`,
    sendCommand: (command: string, ...args: string[]) => redis.call(command, ...args) as Promise<RedisReply>,
  });
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    store,
    passOnStoreError: false,
    // We key on req.ip on purpose; whether proxies are trusted is the TRUST_PROXY setting.
    validate: { xForwardedForHeader: false, forwardedHeader: false, trustProxy: false },
    logger: {
      warn: (err, msg) => logger.warn({ err }, msg ?? 'rate limiter'),
      error: (err, msg) => logger.warn({ err }, msg ?? 'rate limiter store failed'),
    },
    handler: (_req, res) => {
      res.status(429).json({
        error: 'RATE_LIMITED',
        message: `too many requests: at most ${perMinute} a minute per client`,
        details: [],
      });
    },
  });
}
