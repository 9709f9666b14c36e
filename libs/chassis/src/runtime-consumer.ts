import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { EventConsumer, type HandlerMap } from './kafka/consumer';
import type { Publisher } from './kafka/publisher';
import type { Metrics } from './metrics';
import type { RuntimeOptions } from './runtime-options';

/** The service's consumer group, tuned by its KAFKA_* settings. */
export function createRuntimeConsumer(
  { service, config }: RuntimeOptions,
  kafka: Kafka,
  publisher: Publisher,
  logger: Logger,
  metrics: Metrics,
  consume: { groupId: string; handlers: HandlerMap },
): EventConsumer {
  return new EventConsumer({
    kafka,
    service,
    groupId: consume.groupId,
    handlers: consume.handlers,
    publisher,
    logger,
    metrics,
    maxWaitTimeInMs: config.KAFKA_MAX_WAIT_MS,
    sessionTimeout: config.KAFKA_SESSION_TIMEOUT_MS,
    partitionsConsumedConcurrently: config.KAFKA_PARTITIONS_CONCURRENCY,
    messageConcurrency: config.KAFKA_MESSAGE_CONCURRENCY,
    minFetchIntervalMs: config.KAFKA_MIN_FETCH_INTERVAL_MS,
  });
}
