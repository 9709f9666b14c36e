import type { Redis } from 'ioredis';

/** Redis' clock in ms: the index is scored on it, whatever this host's clock says. */
export async function redisNow(redis: Redis): Promise<number> {
  const [seconds, micros] = await redis.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

/** How long a reading of Redis' clock is used before the next create reads it again. */
const CLOCK_READ_EVERY_MS = 60_000;

/**
 * Redis' clock as this process estimates it without a round trip. The creating script compares
 * its deadline with Redis' TIME, and in a cluster the two run on different hosts: a deadline on
 * this host's clock would refuse every order if Redis' clock ran a second ahead, and protect
 * nothing if it ran behind.
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
      this.readAt = 0; // read again on the next create
    }
  }

  /** The creating script's deadline on Redis' clock, `windowMs` from now ('0': none). */
  deadline(windowMs: number): string {
    if (windowMs <= 0) return '0';
    const now = Date.now();
    if (now - this.readAt > CLOCK_READ_EVERY_MS) void this.read();
    return String(Math.round(now + this.offsetMs + windowMs));
  }
}
