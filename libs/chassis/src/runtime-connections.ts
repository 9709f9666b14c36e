import type { Kafka } from 'kafkajs';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { KAFKA_GATE, type Health } from './health';
import { kafkaSecurity } from './config';
import { createKafka } from './kafka/client';
import { Publisher } from './kafka/publisher';
import type { Metrics } from './metrics';
import { Outbox } from './outbox';
import { createRedis, redisReady } from './redis/client';
import type { RuntimeOptions } from './runtime-options';

export interface RuntimeConnections {
  redis?: Redis;
  kafka?: Kafka;
  publisher?: Publisher;
  outbox?: Outbox;
}

/** The Redis and Kafka clients the options ask for, created but not connected, with their readiness checks. */
export function createConnections(
  opts: RuntimeOptions,
  logger: Logger,
  metrics: Metrics,
  health: Health,
): RuntimeConnections {
  const { service, config } = opts;
  let redis: Redis | undefined;
  if (opts.redisPrefix) {
    redis = createRedis(config.REDIS_URL, logger, service, {
      commandTimeout: config.REDIS_COMMAND_TIMEOUT_MS,
    });
    health.register('redis', redisReady(redis, logger));
  }
  if (!opts.kafka) return { redis };
  const security = kafkaSecurity(config);
  if (security.sasl?.mechanism === 'plain' && !security.ssl)
    logger.warn('KAFKA_SASL_MECHANISM=plain without KAFKA_SSL: the password crosses the network in clear');
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: service, logger, security });
  const publisher = new Publisher(kafka, metrics);
  // Readiness waits for Kafka at start only (Gate): the outbox holds what cannot be sent meanwhile.
  health.register('kafka-producer', () => publisher.ready, KAFKA_GATE);
  const outbox =
    redis && opts.redisPrefix
      ? new Outbox({ redis, prefix: opts.redisPrefix, publisher, logger, metrics, service })
      : undefined;
  return { redis, kafka, publisher, outbox };
}
