import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { dlqTopic } from '@checkout/contracts';
import { ensureTopics } from './client';
import { toDeadLetter, type DeadLetter } from './dead-letter';

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
    // Below the oldest letter kept (retention deleted the rest), the read starts at that one.
    const start = from >= BigInt(p.low) ? from : BigInt(p.low);
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
      // A failure kafkajs does not retry (the user may not read the topic, say) stops the consumer
      // after run() has resolved: without this the read would wait for ever.
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        if (!payload.restart) reject(payload.error);
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return count;
}
