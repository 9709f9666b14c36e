import { setTimeout as delay } from 'node:timers/promises';
import type { Batch, EachBatchPayload } from 'kafkajs';
import type { Logger } from 'pino';
import type { BatchesInFlight } from './batches-in-flight';
import { heartbeatIntervalOf, type ConsumerOptions } from './consumer-options';
import { forEachConcurrently } from './for-each-concurrently';
import { handleMessage } from './message-handling';
import type { OffsetCommitter } from './offsets';

export interface BatchHandling {
  opts: ConsumerOptions;
  offsets: OffsetCommitter;
  batches: BatchesInFlight;
  isStopping: () => boolean;
  /** When the latest fetch started (kafkajs' FETCH_START). */
  fetchStartedAt: () => number;
}

/**
 * A batch counts as handled once every message in it is (or is dead-lettered); a crash in
 * between redelivers it, which idempotent handlers absorb. A stop does not wait for the rest
 * of a batch (after a backlog it holds hundreds of messages, more than a shutdown's 10 s):
 * only its handled prefix counts, and the next member of the group gets the rest.
 */
export async function handleBatch(
  deps: BatchHandling,
  { batch, heartbeat }: Pick<EachBatchPayload, 'batch' | 'heartbeat'>,
): Promise<void> {
  const { opts, offsets, batches, isStopping } = deps;
  const fetchStartedAt = deps.fetchStartedAt();
  // kafkajs heartbeats only between batches. A batch that takes longer than the session (a
  // backlog of slow messages, one handler call waiting on a slow dependency) would get the member
  // evicted, its commit refused and the same messages fetched and handled again, for ever if they
  // always take that long. So it heartbeats on a timer while the batch is handled, one call
  // running long included (kafkajs sends one at most every heartbeatInterval); a failed one (a
  // rebalance) is left to the heartbeat after the batch, which kafkajs answers by rejoining.
  const keepAlive = () => void heartbeat().catch(() => undefined);
  const beat = setInterval(keepAlive, heartbeatIntervalOf(opts.sessionTimeout) / 2);
  batches.started();
  try {
    const handled = await forEachConcurrently(batch.messages, opts.messageConcurrency ?? 1, isStopping, (message) =>
      handleMessage(opts, isStopping, batch.topic, batch.partition, message),
    );
    recordHandled(offsets, opts.logger, batch, handled);
  } finally {
    clearInterval(beat);
    batches.finished();
  }
  await heartbeat();
  // kafkajs fetches again once every batch of the last fetch is handled, so holding a batch
  // back after handling it paces the fetch loop: what arrives meanwhile waits for the next
  // fetch. Handled first, then held: the messages already here are not delayed (holding
  // them before handling cost a message up to the whole interval on the saga's path).
  const wait = fetchStartedAt + (opts.minFetchIntervalMs ?? 0) - Date.now();
  if (wait > 0 && !isStopping()) await delay(wait);
}

/** Records the first `handled` messages of `batch` as handled: all of them unless stopping. */
function recordHandled(offsets: OffsetCommitter, logger: Logger, batch: Batch, handled: number): void {
  const { topic, partition, messages } = batch;
  // lastOffset() rather than the last message's: it also covers what kafkajs filtered out of
  // `messages` (transaction markers, aborted records) and an empty batch.
  if (handled === messages.length) {
    offsets.handled(topic, partition, batch.lastOffset());
    return;
  }
  // Stopped partway: the commit points at the first message not handled, so none is skipped.
  if (handled > 0) offsets.handled(topic, partition, messages[handled - 1]!.offset);
  const left = { topic, partition, offset: messages[handled]!.offset, count: messages.length - handled };
  logger.info(left, 'stopped mid-batch, the rest goes to the next member');
}
