import type { Kafka } from 'kafkajs';
import type { DeadLetter } from './dead-letter';
import { headerBytes } from './dead-letter-headers';
import type { Publisher } from './publisher';
import { readDeadLetters } from './read-dead-letters';

/**
 * Sends each dead letter back to its original topic with its original headers (same ce_id), once:
 * a run reads only what arrived since the last one, and a letter the filter passes over is not
 * offered again. `fromStart` reads every letter kept instead, and moves nothing: a group of its
 * own, whose offsets are never read again, so the next plain run starts where the last plain one
 * stopped (and sends again what this one sent and it had not reached).
 */
export async function replayDeadLetters(
  kafka: Kafka,
  publisher: Publisher,
  service: string,
  filter: (l: DeadLetter) => boolean = () => true,
  { fromStart = false }: { fromStart?: boolean } = {},
): Promise<{ replayed: number; skipped: number }> {
  let replayed = 0;
  let skipped = 0;
  await readDeadLetters(kafka, service, {
    // A fixed group: a dead letter replayed once is not replayed again by the next run.
    ...(fromStart ? {} : { groupId: `dlq-replay.${service}` }),
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
