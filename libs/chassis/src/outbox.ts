import type { ChainableCommander } from 'ioredis';
import { toKafkaRecord, type CloudEvent } from '@checkout/contracts';
import type { OutboxOptions } from './outbox-options';
import { OutboxRelay } from './outbox-relay';
import { RepeatedFailure } from './repeated-failure';
import { redisNow } from './redis/clock';
import { scriptsResent } from './redis/scripts';

export { OUTBOX_LUA } from './outbox-lua';
export type { OutboxOptions } from './outbox-options';
export { MAX_SEND_BYTES, chunkBySize, recordSize } from './outbox-send-size';

/**
 * Transactional outbox on a Redis stream. Writers add entries in the same MULTI or Lua script as
 * their state change and pass the write to `publishing()` (or call `kick()` once it is done); the
 * relay publishes entries in stream order and deletes them once Kafka acknowledged. A crash
 * between write and publish loses nothing: the next drain (at start or on the poll) sends it,
 * possibly twice, which consumers dedupe by ce_id.
 */
export class Outbox {
  readonly stream: string;
  private readonly relay: OutboxRelay;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;
  private readonly failures: RepeatedFailure;

  constructor(private readonly opts: OutboxOptions) {
    this.stream = `${opts.prefix}:outbox`;
    this.relay = new OutboxRelay(opts, this.stream, () => this.kick());
    this.failures = new RepeatedFailure(opts.logger, 'outbox relay');
  }

  static serialize(event: CloudEvent): string {
    return JSON.stringify(toKafkaRecord(event));
  }

  /** Adds events to a MULTI that also carries the state change. */
  addTo(multi: ChainableCommander, events: CloudEvent[]): ChainableCommander {
    for (const e of events) multi.xadd(this.stream, '*', 'r', Outbox.serialize(e));
    return multi;
  }

  start(): void {
    this.stopped = false;
    const poll = () => {
      this.kick();
      void this.opts.redis
        .xlen(this.stream)
        .then((n) => this.opts.metrics?.outboxBacklog.set(n))
        .catch(() => undefined);
      this.timer = setTimeout(poll, this.opts.pollMs ?? 500);
      this.timer.unref();
    };
    poll();
  }

  /**
   * Publishes what `write` adds to the stream without a round trip of its own. `write` is a script
   * call (defineScript) on this outbox's Redis client, issued just now, in this tick:
   * `outbox.publishing(script(...))`. The relay's claim is issued right behind it on the same
   * connection, without waiting for the write's answer, and Redis runs them in that order: the claim
   * reads what the write added. Claiming once the write had answered, as `kick()` after it does,
   * cost one more Redis round trip per event on the saga's path. A script Redis no longer knew
   * (after a restart) is sent again after the claim has run, so then the relay claims once more.
   */
  async publishing<T>(write: Promise<T>): Promise<T> {
    const resent = scriptsResent();
    this.kick();
    const result = await write;
    if (scriptsResent() !== resent) this.kick();
    return result;
  }

  /**
   * How long the oldest entry has waited (ms, on Redis' clock; 0 when the outbox is empty): long
   * means Kafka is not taking what is written, and a job that announces events again would only
   * add to the queue.
   */
  async oldestWaitMs(): Promise<number> {
    const [oldest] = await this.opts.redis.xrange(this.stream, '-', '+', 'COUNT', 1);
    if (!oldest) return 0;
    return Math.max(0, (await redisNow(this.opts.redis)) - Number(oldest[0].split('-')[0]));
  }

  /** Publishes now; calls during a drain coalesce into one more pass. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drainLoop().finally(() => {
      this.running = undefined;
    });
  }

  /** Stops polling after publishing what is pending (bounded by the caller's shutdown timeout). */
  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    this.stopped = true;
    await this.drain().catch((err: unknown) =>
      this.opts.logger.warn(
        { err },
        'outbox: last drain before stopping failed; the next relay start publishes the rest',
      ),
    );
  }

  private async drainLoop(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.drain();
        this.failures.succeeded();
      } catch (err) {
        this.failures.failed(err);
        return;
      }
    } while (this.again && !this.stopped);
  }

  /** Publishes everything pending; returns the number of records sent. */
  drain(): Promise<number> {
    return this.relay.drain();
  }
}
