import type { Redis } from 'ioredis';

/** Redis' clock in ms: what scores and deadlines set in Redis go by, whatever this host's clock says. */
export async function redisNow(redis: Redis): Promise<number> {
  const [seconds, micros] = await redis.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

/** How long a reading of Redis' clock is used before the next deadline reads it again. */
const CLOCK_READ_EVERY_MS = 60_000;

/**
 * Redis' clock as this process estimates it without a round trip, for the deadlines of writes a
 * request makes (DEADLINE_LUA). The script compares its deadline with Redis' TIME, and in a
 * cluster the two run on different hosts: a deadline on this host's clock would refuse every write
 * if Redis' clock ran a second ahead, and protect nothing if it ran behind.
 */
export class RedisClock {
  /** Redis' clock minus this process' (ms). */
  private offsetMs = 0;
  private readAt = 0;

  constructor(private readonly redis: Redis) {}

  /** Reads the clock now, and again whenever the connection is (re)established. */
  follow(): void {
    this.redis.on('ready', () => void this.read());
    if (this.redis.status === 'ready') void this.read();
  }

  /** Reads Redis' clock (TIME) and takes it as read halfway through the round trip. */
  async read(): Promise<void> {
    const sent = Date.now();
    this.readAt = sent;
    try {
      this.offsetMs = (await redisNow(this.redis)) - (sent + Date.now()) / 2;
    } catch {
      this.readAt = 0; // read again on the next deadline
    }
  }

  /** A write's deadline on Redis' clock, `windowMs` from now ('0': none). */
  deadline(windowMs: number): string {
    if (windowMs <= 0) return '0';
    const now = Date.now();
    if (now - this.readAt > CLOCK_READ_EVERY_MS) void this.read();
    return String(Math.round(now + this.offsetMs + windowMs));
  }
}

/**
 * How long after a request issues a write its script may still run (RedisClock.deadline): half the
 * command timeout, so a write still running then is answered long before its caller gives up.
 */
export const requestWriteWindowMs = (commandTimeoutMs: number): number => commandTimeoutMs / 2;

/**
 * Lua prelude for a write a request makes with a deadline (RedisClock.deadline, ARGV): a server
 * that stopped answering runs the queued script when it resumes, after its caller timed out and
 * answered 503; past its deadline the script writes nothing, so that 503 stays true (the order,
 * the claim or the stock level the client was told failed is not written behind its back).
 * `redis_now_ms()` is Redis' clock in ms; `past_deadline(deadline, now_ms?)` is true once the
 * deadline ('0': none) has passed.
 */
export const DEADLINE_LUA = `
local function redis_now_ms()
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
local function past_deadline(deadline, now_ms)
  local d = tonumber(deadline)
  return d ~= nil and d > 0 and (now_ms or redis_now_ms()) > d
end
`;
