import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { dlqTopic } from '@checkout/contracts';
import { ensureTopics } from './client';
import { toDeadLetter, type DeadLetter } from './dead-letter';

/**
 * Reads `dlq.<service>` up to its current end. With `groupId` each letter handed to `onLetter` is
 * committed, so it is handed over once, and a letter that arrives during the read is left for the
 * next one; without it (listing) nothing is committed. `fromStart` reads the group's letters again
 * from the oldest kept (a letter a filter passed over, say), and commits only past the group's
 * committed offset, so a plain read after it still starts where the last one stopped.
 */
export async function readDeadLetters(
  kafka: Kafka,
  service: string,
  {
    groupId,
    fromStart = false,
    onLetter,
  }: { groupId?: string; fromStart?: boolean; onLetter: (l: DeadLetter) => Promise<void> },
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
  const committedAt = new Map<number, bigint>();
  // Per partition, the first offset this run has not handled yet.
  const next = new Map<number, bigint>();
  for (const p of ends) {
    const from = BigInt(committed.find((c) => c.partition === p.partition)?.offset ?? '-1');
    committedAt.set(p.partition, from);
    const start = from >= 0n && !fromStart ? from : BigInt(p.low);
    next.set(p.partition, start);
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
            const offset = BigInt(message.offset);
            // Past this run's end, or handled already (redelivered after the group rejoined).
            if (failed || last === undefined || offset > last || offset < next.get(partition)!) return;
            try {
              await onLetter(toDeadLetter(partition, message));
              next.set(partition, offset + 1n);
              if (groupId && offset + 1n > committedAt.get(partition)!) {
                await consumer.commitOffsets([{ topic, partition, offset: (offset + 1n).toString() }]);
              }
            } catch (err) {
              // Ends the run (kafkajs would retry the letter for as long as the failure lasts);
              // the letter is not committed, so the next run offers it again.
              failed = true;
              reject(err as Error);
              return;
            }
            count++;
            if (offset >= last) remaining.delete(partition);
            if (remaining.size === 0) resolve();
          },
        })
        .catch(reject);
      // The group would resume at its committed offsets: a read from the start seeks back, taken
      // before the first fetch (run() has made the group by now), and again after the group
      // rejoins (a restart after a crash or a rebalance forgets the seeks), to what is not handled.
      if (fromStart && groupId) {
        const seekToNext = () => {
          for (const partition of remaining.keys())
            consumer.seek({ topic, partition, offset: next.get(partition)!.toString() });
        };
        seekToNext();
        consumer.on(consumer.events.GROUP_JOIN, seekToNext);
      }
    });
  } finally {
    await consumer.disconnect();
  }
  return count;
}
