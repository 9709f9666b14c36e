import type { Logger } from 'pino';

export interface TopicPartitionOffset {
  topic: string;
  partition: number;
  /** The next offset to read, as Kafka commits it. */
  offset: string;
}

const keyOf = (o: { topic: string; partition: number }): string => `${o.topic}|${o.partition}`;

/**
 * Offsets of handled batches, committed together on a timer and on stop. kafkajs commits after
 * every batch when it auto-commits in eachBatch mode (its autoCommitInterval is not consulted
 * there): a broker round trip per batch, which at a message or two per batch is one per event. A
 * crash redelivers what was handled since the last commit; every handler is idempotent.
 */
export class OffsetCommitter {
  private pending = new Map<string, TopicPartitionOffset>();
  private flushing?: Promise<void>;

  constructor(
    private readonly commit: (offsets: TopicPartitionOffset[]) => Promise<void>,
    private readonly logger: Logger,
  ) {}

  /** Records that every message of a batch up to `lastOffset` is handled. */
  handled(topic: string, partition: number, lastOffset: string): void {
    const next = { topic, partition, offset: (BigInt(lastOffset) + 1n).toString() };
    this.pending.set(keyOf(next), next);
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** A new group generation starts from the committed offsets: what this member held is moot. */
  forget(): void {
    this.pending.clear();
  }

  /** Commits what is pending; a failed commit keeps it for the next flush. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.pending.size === 0) return;
    const offsets = [...this.pending.values()];
    this.pending.clear();
    this.flushing = this.commit(offsets)
      .catch((err: unknown) => {
        for (const o of offsets) if (!this.pending.has(keyOf(o))) this.pending.set(keyOf(o), o);
        this.logger.warn({ err }, 'offset commit failed, will retry');
      })
      .finally(() => {
        this.flushing = undefined;
      });
    await this.flushing;
  }
}
