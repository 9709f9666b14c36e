import { randomUUID } from 'node:crypto';
import { dlqTopic, fromKafkaMessage, isEventType, topicOf, type KafkaRecord } from '@checkout/contracts';
import { deadLetterHeaders } from './kafka/dead-letter-headers';
import { ACK_BATCH, CLAIM_BATCH } from './outbox-lua';
import type { OutboxOptions } from './outbox-options';
import { MAX_SEND_BYTES, chunkBySize, recordSize } from './outbox-send-size';
import { defineScript } from './redis/scripts';

const LOCK_MS = 10_000;

type StreamEntry = [id: string, fields: string[]];

/** Publishes an outbox stream's entries in stream order and deletes them once Kafka acknowledged. */
export class OutboxRelay {
  private readonly lockKey: string;
  private readonly owner = randomUUID();

  private readonly claimBatch;
  private readonly ackBatch;

  /** `kick` is called to try again shortly when another relay holds the lock. */
  constructor(
    private readonly opts: OutboxOptions,
    private readonly stream: string,
    private readonly kick: () => void,
  ) {
    this.lockKey = `${opts.prefix}:outbox:lock`;
    this.claimBatch = defineScript<(string | number)[]>(opts.redis, 2, CLAIM_BATCH);
    this.ackBatch = defineScript<(string | number)[]>(opts.redis, 2, ACK_BATCH);
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
          record: fields[1] ? this.checked(id, fields[1]) : undefined,
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

  /**
   * Every event is validated when produced; one that fails goes to the dead-letter topic, not to
   * consumers. So does an entry that is not a record at all (not JSON, no topic, key or value,
   * headers that are not all text, a topic other than its type): thrown or sent, it would stop the
   * relay at that entry on every pass, and every event after it with it. Its letter names an
   * original topic only when that is the event type its ce_type says, so that a replay never sends
   * it elsewhere.
   */
  private checked(entryId: string, raw: string): KafkaRecord {
    let record: Partial<Record<keyof KafkaRecord, unknown>> = {};
    try {
      const parsed: unknown = JSON.parse(raw);
      if (isObject(parsed)) record = parsed;
      const { topic, key, value, headers } = record;
      if (typeof topic !== 'string' || typeof key !== 'string' || typeof value !== 'string' || !isTextMap(headers))
        throw new Error('not a record: a topic, key and value and text headers are required');
      const event = fromKafkaMessage({ headers, value });
      if (topicOf(event.type) !== topic) throw new Error(`an event of type ${event.type} written for topic ${topic}`);
      return { topic, key, value, headers };
    } catch (err) {
      const service = this.opts.service ?? this.opts.prefix;
      // Only a topic its own ce_type names: a replay sends the letter there.
      const headers = textOnly(record.headers);
      const topic =
        typeof record.topic === 'string' && isEventType(record.topic) && headers.ce_type === record.topic
          ? record.topic
          : '';
      this.opts.logger.error(
        { err, entryId, topic: String(record.topic) },
        'outbox entry fails its schema: dead-lettered',
      );
      return {
        topic: dlqTopic(service),
        key: typeof record.key === 'string' ? record.key : entryId,
        value: typeof record.value === 'string' ? record.value : raw,
        headers: {
          ...headers,
          ...deadLetterHeaders({ service, reason: 'INVALID_OUTGOING_EVENT', error: (err as Error).message, topic }),
        },
      };
    }
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const isTextMap = (v: unknown): v is Record<string, string> =>
  isObject(v) && Object.values(v).every((x) => typeof x === 'string');

/** The text entries of what should have been a record's headers, none of the dead letter's own. */
const textOnly = (v: unknown): Record<string, string> =>
  isObject(v)
    ? Object.fromEntries(
        Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string' && !e[0].startsWith('dlq-')),
      )
    : {};
