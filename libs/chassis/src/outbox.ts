import { randomUUID } from 'node:crypto';
import type { ChainableCommander, Redis } from 'ioredis';
import type { Logger } from 'pino';
import {
  REANNOUNCED_HEADER,
  dlqTopic,
  fromKafkaMessage,
  toKafkaRecord,
  type CloudEvent,
  type KafkaRecord,
} from '@checkout/contracts';
import { deadLetterHeaders } from './kafka/dead-letters';
import type { Publisher } from './kafka/publisher';
import type { Metrics } from './metrics';
import { defineScript, scriptsResent } from './redis/scripts';

/**
 * Lua prelude for scripts that change state and record the events it causes in one atomic step.
 * `outbox_add(stream, record)` appends one serialized Kafka record (see Outbox.serialize);
 * `outbox_add_again(stream, record, times)` appends a record kept from before, marked as announced
 * again (REANNOUNCED_HEADER, its value `times`), so that its consumers answer it.
 */
export const OUTBOX_LUA = `
local function outbox_add(stream, record)
  redis.call('XADD', stream, '*', 'r', record)
end
local function outbox_add_again(stream, record, times)
  local copy = cjson.decode(record)
  if type(copy.headers) ~= 'table' then copy.headers = {} end
  copy.headers['${REANNOUNCED_HEADER}'] = tostring(times)
  outbox_add(stream, cjson.encode(copy))
end
`;

/**
 * Takes the relay lock and reads the oldest entries in one round trip; nil when another relay holds
 * it. A lock this relay holds is taken again: ioredis resends a command whose answer a dropped
 * connection lost, and the resent claim must not wait out the lock its first run took.
 */
const CLAIM_BATCH = `
local holder = redis.call('GET', KEYS[2])
if holder and holder ~= ARGV[1] then return false end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
return redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', ARGV[3])
`;

/** Deletes the published entries and, on the last batch, releases the lock if still ours (else extends it). */
const ACK_BATCH = `
if #ARGV > 3 then redis.call('XDEL', KEYS[1], unpack(ARGV, 4)) end
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
if ARGV[3] == '1' then return redis.call('DEL', KEYS[2]) end
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return 1
`;

const LOCK_MS = 10_000;

/**
 * The most one send carries, in bytes of keys, values and headers. Kafka refuses a record batch
 * above `message.max.bytes` (1 MB by default) for good, and a relay that sent a whole backlog at
 * once would then retry the same refused entries forever, publishing nothing behind them.
 */
export const MAX_SEND_BYTES = 256 * 1024;

/** Bytes a record puts on the wire, near enough: its key, value and headers. */
export const recordSize = (r: KafkaRecord): number =>
  Buffer.byteLength(r.value) +
  Buffer.byteLength(r.key) +
  Object.entries(r.headers).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);

/** Items in their order, cut into runs of at most `maxBytes` each (a larger item alone). */
export function chunkBySize<T>(items: T[], sizeOf: (item: T) => number, maxBytes: number): T[][] {
  const chunks: T[][] = [];
  let chunk: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (chunk.length > 0 && bytes + size > maxBytes) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(item);
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

type StreamEntry = [id: string, fields: string[]];

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
  /** Bytes one send carries at most (MAX_SEND_BYTES): a larger batch goes out in several sends. */
  maxSendBytes?: number;
  /**
   * The service relaying: an entry that fails its schema goes to its `dlq.<service>` instead of
   * its topic (events built inside Lua are checked here). Defaults to the prefix (tests).
   */
  service?: string;
}

/**
 * Transactional outbox on a Redis stream. Writers add entries in the same MULTI or Lua script as
 * their state change and pass the write to `publishing()` (or call `kick()` once it is done); the
 * relay publishes entries in stream order and deletes them once Kafka acknowledged. A crash
 * between write and publish loses nothing: the next drain (at start or on the poll) sends it,
 * possibly twice, which consumers dedupe by ce_id.
 */
export class Outbox {
  readonly stream: string;
  private readonly lockKey: string;
  private readonly owner = randomUUID();
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;

  private readonly claimBatch;
  private readonly ackBatch;

  constructor(private readonly opts: OutboxOptions) {
    this.stream = `${opts.prefix}:outbox`;
    this.lockKey = `${opts.prefix}:outbox:lock`;
    this.claimBatch = defineScript<(string | number)[]>(opts.redis, 2, CLAIM_BATCH);
    this.ackBatch = defineScript<(string | number)[]>(opts.redis, 2, ACK_BATCH);
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
   * `outbox.publishing(script(...))`. The relay's claim is issued right behind it, so
   * auto-pipelining carries both to Redis in one write and Redis runs them in that order: the claim
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
      } catch (err) {
        this.opts.logger.warn({ err }, 'outbox relay failed, will retry');
        return;
      }
    } while (this.again && !this.stopped);
  }

  /** Publishes everything pending; returns the number of records sent. */
  async drain(): Promise<number> {
    const { redis } = this.opts;
    const batchSize = this.opts.batchSize ?? 500;
    // One relay per stream at a time keeps per-key order when a service runs several instances.
    // Two round trips per batch: claim (lock + read) and ack (delete + unlock); one ack more for
    // each further send of a batch larger than one send carries.
    const keys = [this.stream, this.lockKey];
    let sent = 0;
    let entries = (await this.claimBatch(keys, this.owner, LOCK_MS, batchSize)) as StreamEntry[] | null;
    if (!entries) {
      setTimeout(() => this.kick(), 20).unref();
      return 0;
    }
    const maxBytes = this.opts.maxSendBytes ?? MAX_SEND_BYTES;
    try {
      for (;;) {
        const items = entries.map(([id, fields]) => ({
          id,
          record: fields[1] ? this.checked(id, JSON.parse(fields[1]) as KafkaRecord) : undefined,
        }));
        // A short batch was the end of the stream; what arrived since comes with the next kick.
        const last = entries.length < batchSize;
        // In order, one send after another, each acknowledged before the next (which renews the
        // lock): a send that fails leaves only its own entries and those after it.
        const chunks = items.length ? chunkBySize(items, (i) => (i.record ? recordSize(i.record) : 0), maxBytes) : [[]];
        for (const [n, chunk] of chunks.entries()) {
          const records = chunk.flatMap((i) => (i.record ? [i.record] : []));
          await this.opts.publisher.send(records);
          sent += records.length;
          const end = last && n === chunks.length - 1;
          await this.ackBatch(keys, this.owner, LOCK_MS, end ? '1' : '0', ...chunk.map((i) => i.id));
        }
        if (last) return sent;
        entries = (await redis.xrange(this.stream, '-', '+', 'COUNT', batchSize)) as StreamEntry[];
      }
    } catch (err) {
      // What was not acknowledged stays in the stream for the next pass; free the lock for it.
      await this.ackBatch(keys, this.owner, LOCK_MS, '1').catch(() => undefined);
      throw err;
    }
  }

  /** Every event is validated when produced; one that fails goes to the dead-letter topic, not to consumers. */
  private checked(entryId: string, record: KafkaRecord): KafkaRecord {
    try {
      fromKafkaMessage({ headers: record.headers, value: record.value });
      return record;
    } catch (err) {
      const service = this.opts.service ?? this.opts.prefix;
      this.opts.logger.error({ err, entryId, topic: record.topic }, 'outbox entry fails its schema: dead-lettered');
      return {
        ...record,
        topic: dlqTopic(service),
        headers: {
          ...record.headers,
          ...deadLetterHeaders({
            service,
            reason: 'INVALID_OUTGOING_EVENT',
            error: (err as Error).message,
            topic: record.topic,
          }),
        },
      };
    }
  }
}
