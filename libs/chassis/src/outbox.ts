import { randomUUID } from 'node:crypto';
import type { ChainableCommander, Redis } from 'ioredis';
import type { Logger } from 'pino';
import { fromKafkaMessage, toKafkaRecord, type CloudEvent, type KafkaRecord } from '@checkout/contracts';
import type { Publisher } from './kafka/publisher';
import type { Metrics } from './metrics';

/**
 * Lua prelude for scripts that change state and record the events it causes in one atomic step.
 * `outbox_add(stream, record)` appends one serialized Kafka record (see Outbox.serialize).
 */
export const OUTBOX_LUA = `
local function outbox_add(stream, record)
  redis.call('XADD', stream, '*', 'r', record)
end
`;

const RELEASE_LOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

export interface OutboxOptions {
  redis: Redis;
  /** Key prefix of the owning service, e.g. `inventory`: the stream is `<prefix>:outbox`. */
  prefix: string;
  publisher: Publisher;
  logger: Logger;
  metrics?: Metrics;
  /** Recovery poll: publishes what a crashed writer or a failed send left behind. */
  pollMs?: number;
  batchSize?: number;
  /** Where an entry that fails its schema goes instead of its topic (events built inside Lua are checked here). */
  deadLetterTopic?: string;
}

/**
 * Transactional outbox on a Redis stream. Writers add entries in the same MULTI or Lua script as
 * their state change and then call `kick()`; the relay publishes entries in stream order and
 * deletes them once Kafka acknowledged. A crash between write and publish loses nothing: the
 * next drain (at start or on the poll) sends it, possibly twice, which consumers dedupe by ce_id.
 */
export class Outbox {
  readonly stream: string;
  private readonly lockKey: string;
  private readonly owner = randomUUID();
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;

  constructor(private readonly opts: OutboxOptions) {
    this.stream = `${opts.prefix}:outbox`;
    this.lockKey = `${opts.prefix}:outbox:lock`;
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
    await this.drain().catch(() => undefined);
  }

  private async drainLoop(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.drain();
      } catch (err) {
        this.opts.logger.warn({ err }, 'outbox relay failed, will retry');
        return;
      }
    } while (this.again && !this.stopped);
  }

  /** Publishes everything pending; returns the number of records sent. */
  async drain(): Promise<number> {
    const { redis } = this.opts;
    // One relay per stream at a time keeps per-key order when a service runs several instances.
    const locked = await redis.set(this.lockKey, this.owner, 'PX', 10_000, 'NX');
    if (!locked) {
      setTimeout(() => this.kick(), 20).unref();
      return 0;
    }
    let sent = 0;
    try {
      for (;;) {
        const batchSize = this.opts.batchSize ?? 500;
        const entries = await redis.xrange(this.stream, '-', '+', 'COUNT', batchSize);
        if (entries.length === 0) break;
        const records: KafkaRecord[] = [];
        for (const [id, fields] of entries) {
          const json = fields[1];
          if (json) records.push(this.checked(id, JSON.parse(json) as KafkaRecord));
        }
        await this.opts.publisher.send(records);
        await redis.xdel(this.stream, ...entries.map(([id]) => id));
        sent += records.length;
        // A short batch was the end of the stream; what arrived since comes with the next kick.
        if (entries.length < batchSize) break;
        await redis.pexpire(this.lockKey, 10_000);
      }
    } finally {
      await redis.eval(RELEASE_LOCK, 1, this.lockKey, this.owner).catch(() => undefined);
    }
    return sent;
  }

  /** Every event is validated when produced; one that fails goes to the dead-letter topic, not to consumers. */
  private checked(entryId: string, record: KafkaRecord): KafkaRecord {
    try {
      fromKafkaMessage({ headers: record.headers, value: record.value });
      return record;
    } catch (err) {
      const topic = this.opts.deadLetterTopic ?? `dlq.${this.opts.prefix}`;
      this.opts.logger.error({ err, entryId, topic: record.topic }, 'outbox entry fails its schema: dead-lettered');
      return {
        ...record,
        topic,
        headers: {
          ...record.headers,
          'dlq-reason': 'INVALID_OUTGOING_EVENT',
          'dlq-error': (err as Error).message.slice(0, 1000),
          'dlq-original-topic': record.topic,
        },
      };
    }
  }
}
