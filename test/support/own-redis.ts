import { connectRedis, createLogger, createRedis, type Redis } from '@checkout/chassis';

/** A redis-server started for one test file (scripts/lib/infra.js startRedis). */
export interface RedisServer {
  url: string;
  port: number;
  /** Stops answering while its connections stay open (SIGSTOP), as a hung host does. */
  freeze(): void;
  thaw(): void;
  kill(): Promise<void>;
  /** Without persistence (the default here) every key is gone afterwards. */
  restart(): Promise<void>;
  stop(): Promise<void>;
  cleanup(): void;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports -- plain JS scripts
const infra = require('../../scripts/lib/infra') as {
  startRedis(o: { appendonly?: boolean; log?: (s: string) => void }): Promise<RedisServer>;
};

/**
 * A redis-server of the file's own (no persistence) and a client connected to it, for tests that
 * stall, kill, restart or wipe Redis without touching the run's shared one. Started before the
 * file's tests, stopped after them (thawed first, should a test have left it frozen).
 */
export function useOwnRedis(name: string) {
  const ctx = {} as { server: RedisServer; redis: Redis };
  beforeAll(async () => {
    ctx.server = await infra.startRedis({ log: () => undefined });
    ctx.redis = createRedis(ctx.server.url, createLogger('test', 'silent'), name);
    await connectRedis(ctx.redis);
  });
  afterAll(async () => {
    ctx.server?.thaw();
    ctx.redis?.disconnect();
    await ctx.server?.stop();
    ctx.server?.cleanup();
  });
  return ctx;
}
