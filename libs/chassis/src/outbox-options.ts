import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Publisher } from './kafka/publisher';
import type { Metrics } from './metrics';

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
