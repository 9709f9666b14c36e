import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import type { Metrics } from '../metrics';
import { startProducerSpans } from '../tracing/otel';

/**
 * What the publisher sends: an event's record (a KafkaRecord, text), or a dead letter's, which
 * carries the original key, value and headers byte for byte (a poison record need not be text).
 */
export interface PublishRecord {
  topic: string;
  key: string | Buffer | null;
  value: string | Buffer | null;
  headers: Record<string, string | Buffer>;
}

/**
 * A send unanswered this long means the broker stopped answering (a hung host keeps its
 * connections open, and kafkajs fails the send only after its request timeout and retries): one
 * answered takes milliseconds.
 */
export const STALLED_SEND_MS = 5000;

/** Sends records to Kafka. Services publish events through the outbox; this is its transport. */
export class Publisher {
  private readonly producer: Producer;
  private connected = false;
  private lastSendFailed = false;
  /** When each send still waiting for the broker began, oldest first. */
  private readonly waiting = new Map<symbol, number>();

  constructor(
    kafka: Kafka,
    private readonly metrics?: Metrics,
  ) {
    this.producer = kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: true,
    });
    this.producer.on(this.producer.events.CONNECT, () => (this.connected = true));
    this.producer.on(this.producer.events.DISCONNECT, () => (this.connected = false));
  }

  /**
   * Connected, its last send (if any) went through, and none has waited STALLED_SEND_MS. kafkajs
   * reports a disconnect only when we disconnect; a broker that went away shows as a send that
   * failed, until one succeeds again, and one that hangs as a send that waits.
   */
  get ready(): boolean {
    const oldest = this.waiting.values().next().value;
    const stalled = oldest !== undefined && Date.now() - oldest > STALLED_SEND_MS;
    return this.connected && !this.lastSendFailed && !stalled;
  }

  async connect(): Promise<void> {
    await this.producer.connect();
  }

  async send(records: PublishRecord[]): Promise<void> {
    if (records.length === 0) return;
    const spans = startProducerSpans(records);
    const byTopic = new Map<string, PublishRecord[]>();
    for (const r of spans.records) byTopic.set(r.topic, [...(byTopic.get(r.topic) ?? []), r]);
    const waitingId = Symbol('send');
    this.waiting.set(waitingId, Date.now());
    try {
      await this.producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, rs]) => ({
          topic,
          messages: rs.map((r) => ({ key: r.key, value: r.value, headers: r.headers })),
        })),
      });
    } catch (err) {
      this.lastSendFailed = true;
      spans.end(err);
      throw err;
    } finally {
      this.waiting.delete(waitingId);
    }
    this.lastSendFailed = false;
    spans.end();
    for (const r of records) this.metrics?.eventsPublished.inc({ topic: r.topic });
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
  }
}
