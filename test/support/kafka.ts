import { randomUUID } from 'node:crypto';
import { Kafka, Partitioners, logLevel, type Consumer, type Producer } from 'kafkajs';
import {
  createEvent,
  fromKafkaMessage,
  headerText,
  toKafkaRecord,
  type CloudEvent,
  type EventData,
  type EventType,
} from '@checkout/contracts';
import { fixKafkaRequestQueue } from '@checkout/chassis';
import { testBrokers } from './env';
import { waitFor } from './wait';

export interface RecordedMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string;
  value: string;
  /** The value's bytes as they came (value is their text). */
  raw: Buffer | null;
  headers: Record<string, string>;
  event?: CloudEvent;
}

export const testKafka = (brokers = testBrokers().join(',')) => {
  fixKafkaRequestQueue();
  return new Kafka({ clientId: `test-${randomUUID()}`, brokers: brokers.split(','), logLevel: logLevel.NOTHING });
};

/**
 * Records every message on the given topics (from the beginning) in a fresh consumer group.
 * Tests read what downstream services would see, decoded when it is a valid event.
 */
export async function recordTopics(topics: string[], brokers?: string) {
  const kafka = testKafka(brokers);
  const admin = kafka.admin();
  await admin.connect();
  await admin.fetchTopicMetadata({ topics });
  await admin.disconnect();
  const consumer: Consumer = kafka.consumer({
    groupId: `test-${randomUUID()}`,
    maxWaitTimeInMs: 10,
    sessionTimeout: 6000,
  });
  const messages: RecordedMessage[] = [];
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      const headers: Record<string, string> = {};
      for (const k of Object.keys(message.headers ?? {})) headers[k] = headerText(message.headers, k) ?? '';
      let event: CloudEvent | undefined;
      try {
        event = fromKafkaMessage(message);
      } catch {
        event = undefined;
      }
      messages.push({
        topic,
        partition,
        offset: message.offset,
        key: message.key?.toString() ?? '',
        value: message.value?.toString() ?? '',
        raw: message.value,
        headers,
        event,
      });
    },
  });
  await waitFor(() => joined, { what: 'test consumer to join its group' });
  return {
    messages,
    events: (type?: EventType) =>
      messages.filter((m) => m.event && (!type || m.event.type === type)).map((m) => m.event!),
    waitForEvent: <T extends EventType>(
      type: T,
      match: (e: CloudEvent<T>) => boolean = () => true,
      timeoutMs = 15_000,
    ) =>
      waitFor(
        () =>
          messages.find((m) => m.event?.type === type && match(m.event as CloudEvent<T>))?.event as
            CloudEvent<T> | undefined,
        { timeoutMs, what: `a ${type} event` },
      ),
    stop: () => consumer.disconnect(),
  };
}

/** Publishes events (or raw records) as another service would, from `source` unless an event names its own. */
export async function testPublisher(brokers?: string, { source = '/test' }: { source?: string } = {}) {
  const producer: Producer = testKafka(brokers).producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  return {
    async publish<T extends EventType>(
      type: T,
      data: EventData<T>,
      meta: Partial<{
        source: string;
        correlationId: string;
        id: string;
        time: string;
        headers: Record<string, string>;
      }> = {},
    ) {
      const event = {
        ...createEvent(type, data, {
          source: meta.source ?? source,
          correlationId: meta.correlationId ?? randomUUID(),
        }),
      };
      if (meta.id) event.id = meta.id;
      if (meta.time) event.time = meta.time;
      const r = toKafkaRecord(event);
      await producer.send({
        topic: r.topic,
        messages: [{ key: r.key, value: r.value, headers: { ...r.headers, ...meta.headers } }],
      });
      return event;
    },
    async publishRaw(topic: string, value: string | Buffer, headers: Record<string, string> = {}, key = 'raw') {
      await producer.send({ topic, messages: [{ key, value, headers }] });
    },
    stop: () => producer.disconnect(),
  };
}
