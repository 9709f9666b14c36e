import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { dlqTopic, headerText } from '@checkout/contracts';
import { ensureTopics } from './client';
import type { Publisher } from './publisher';

export interface DeadLetter {
  partition: number;
  offset: string;
  key: string;
  reason: string;
  error: string;
  originalTopic: string;
  originalPartition: string;
  originalOffset: string;
  eventId: string;
  value: string;
  headers: Record<string, string>;
  /** The original record's bytes, which a replay sends back unchanged (key, value and headers above are their text). */
  raw: Pick<KafkaMessage, 'key' | 'value' | 'headers'>;
}

/** A record's headers as sent, one value each (the first of a repeated one), those `keep` names only. */
export function headerBytes(
  headers: KafkaMessage['headers'],
  keep: (name: string) => boolean = () => true,
): Record<string, string | Buffer> {
  const out: Record<string, string | Buffer> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    const one = Array.isArray(v) ? v[0] : v;
    if (keep(k) && one !== undefined) out[k] = one;
  }
  return out;
}

/**
 * The headers naming why a record was dead-lettered and where it came from: a consumed one by its
 * topic, partition and offset; an outgoing one (the outbox's) by the topic it was meant for only.
 */
export function deadLetterHeaders(letter: {
  service: string;
  reason: string;
  error: string;
  topic: string;
  partition?: number;
  offset?: string;
}): Record<string, string> {
  const { service, reason, error, topic, partition, offset } = letter;
  return {
    'dlq-reason': reason,
    'dlq-error': error.slice(0, 1000),
    'dlq-original-topic': topic,
    ...(partition === undefined || offset === undefined
      ? {}
      : { 'dlq-original-partition': String(partition), 'dlq-original-offset': offset }),
    'dlq-service': service,
    'dlq-failed-at': new Date().toISOString(),
  };
}

/** Where a letter came from, as the CLI shows it: `topic/partition@offset`, or the topic alone. */
export const originOf = (l: Pick<DeadLetter, 'originalTopic' | 'originalPartition' | 'originalOffset'>): string =>
  l.originalPartition === '' ? l.originalTopic : `${l.originalTopic}/${l.originalPartition}@${l.originalOffset}`;

const toDeadLetter = (partition: number, m: KafkaMessage): DeadLetter => {
  const headers: Record<string, string> = {};
  for (const k of Object.keys(m.headers ?? {})) headers[k] = headerText(m.headers, k) ?? '';
  return {
    partition,
    offset: m.offset,
    key: m.key?.toString() ?? '',
    reason: headers['dlq-reason'] ?? '',
    error: headers['dlq-error'] ?? '',
    originalTopic: headers['dlq-original-topic'] ?? '',
    originalPartition: headers['dlq-original-partition'] ?? '',
    originalOffset: headers['dlq-original-offset'] ?? '',
    eventId: headers.ce_id ?? '',
    value: m.value?.toString() ?? '',
    headers,
    raw: { key: m.key, value: m.value, headers: m.headers },
  };
};

/**
 * Reads `dlq.<service>` up to its current end. With `groupId` each letter handed to `onLetter` is
 * committed, so it is handed over once, and a letter that arrives during the read is left for the
 * next one; without it (listing) nothing is committed.
 */
export async function readDeadLetters(
  kafka: Kafka,
  service: string,
  { groupId, onLetter }: { groupId?: string; onLetter: (l: DeadLetter) => Promise<void> },
): Promise<number> {
  const topic = dlqTopic(service);
  await ensureTopics(kafka, [topic]);
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  // A committed group resumes where it stopped: only what lies between that and the end is left.
  const committed = groupId ? ((await admin.fetchOffsets({ groupId, topics: [topic] }))[0]?.partitions ?? []) : [];
  await admin.disconnect();
  const remaining = new Map<number, bigint>();
  for (const p of ends) {
    const from = BigInt(committed.find((c) => c.partition === p.partition)?.offset ?? '-1');
    const start = from >= 0n ? from : BigInt(p.low);
    if (BigInt(p.high) > start) remaining.set(p.partition, BigInt(p.high) - 1n);
  }
  if (remaining.size === 0) return 0;
  const consumer = kafka.consumer({
    groupId: groupId ?? `dlq-list-${randomUUID()}`,
    maxWaitTimeInMs: 50,
    sessionTimeout: 6000,
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let count = 0;
  let failed = false;
  try {
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          // Committed by hand: autoCommit would also commit the letters this run passes over (those
          // that arrived after `ends` was read), and no later run would see them.
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            const last = remaining.get(partition);
            if (failed || last === undefined || BigInt(message.offset) > last) return;
            try {
              await onLetter(toDeadLetter(partition, message));
              if (groupId) {
                await consumer.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
              }
            } catch (err) {
              // Ends the run (kafkajs would retry the letter for as long as the failure lasts);
              // the letter is not committed, so the next run offers it again.
              failed = true;
              reject(err as Error);
              return;
            }
            count++;
            if (BigInt(message.offset) >= last) remaining.delete(partition);
            if (remaining.size === 0) resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return count;
}

/** Sends each dead letter back to its original topic with its original headers (same ce_id). */
export async function replayDeadLetters(
  kafka: Kafka,
  publisher: Publisher,
  service: string,
  filter: (l: DeadLetter) => boolean = () => true,
): Promise<{ replayed: number; skipped: number }> {
  let replayed = 0;
  let skipped = 0;
  await readDeadLetters(kafka, service, {
    // A fixed group: a dead letter replayed once is not replayed again by the next run.
    groupId: `dlq-replay.${service}`,
    onLetter: async (letter) => {
      if (!letter.originalTopic || !filter(letter)) {
        skipped++;
        return;
      }
      const headers = headerBytes(letter.raw.headers, (k) => !k.startsWith('dlq-'));
      await publisher.send([{ topic: letter.originalTopic, key: letter.raw.key, value: letter.raw.value, headers }]);
      replayed++;
    },
  });
  return { replayed, skipped };
}
