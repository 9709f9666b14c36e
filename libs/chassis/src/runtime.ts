import type { Server } from 'node:http';
import type { Express } from 'express';
import type { Kafka } from 'kafkajs';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { baseConfigSchema } from './config';
import { Health } from './health';
import { closeServer, listen, stopKeepAlive } from './http/server';
import { createKafka } from './kafka/client';
import { EventConsumer, type HandlerMap } from './kafka/consumer';
import { Publisher } from './kafka/publisher';
import { createLogger } from './logger';
import { createMetrics, type Metrics } from './metrics';
import { Outbox } from './outbox';
import { connectRedis, createRedis, redisReady } from './redis/client';
import { onShutdown, type ShutdownStep } from './shutdown';
import { startTracing, stopTracing } from './tracing/otel';

export type BaseConfig = z.infer<typeof baseConfigSchema>;

export interface RuntimeOptions {
  service: string;
  config: BaseConfig;
  /** Owner prefix of every Redis key; omit for a service without Redis. */
  redisPrefix?: string;
  /** Whether the service produces to Kafka (consumers imply it). */
  kafka?: boolean;
}

/**
 * The parts every service is made of, created but not yet connected, so `createApp(deps)` can be
 * built from them before anything opens a socket.
 */
export class Runtime {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly health = new Health();
  readonly redis?: Redis;
  readonly kafka?: Kafka;
  readonly publisher?: Publisher;
  readonly outbox?: Outbox;
  private consumer?: EventConsumer;
  private server?: Server;
  private readonly extraSteps: ShutdownStep[] = [];
  private readonly startSteps: [name: string, step: () => Promise<void>][] = [];

  constructor(private readonly opts: RuntimeOptions) {
    const { service, config } = opts;
    // Each main.ts has started it already (tracing/preload.ts, before http and express were loaded);
    // a no-op then, this starts it for a Runtime built elsewhere.
    startTracing(service);
    this.logger = createLogger(service, config.LOG_LEVEL);
    this.metrics = createMetrics(service);
    if (opts.redisPrefix) {
      this.redis = createRedis(config.REDIS_URL, this.logger, service, {
        commandTimeout: config.REDIS_COMMAND_TIMEOUT_MS,
      });
      this.health.register('redis', redisReady(this.redis));
    }
    if (opts.kafka) {
      this.kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: service, logger: this.logger });
      const publisher = new Publisher(this.kafka, this.metrics);
      this.publisher = publisher;
      this.health.register('kafka-producer', () => publisher.ready);
      if (this.redis && opts.redisPrefix) {
        this.outbox = new Outbox({
          redis: this.redis,
          prefix: opts.redisPrefix,
          publisher,
          logger: this.logger,
          metrics: this.metrics,
          service,
        });
      }
    }
  }

  /** Adds a step to run on shutdown after consumers stopped and before connections close. */
  onStop(name: string, close: () => Promise<unknown>): void {
    this.extraSteps.push([name, close]);
  }

  /**
   * Adds a step to run on start-up once Redis and Kafka are connected and before the consumer
   * starts (so readiness stays 503 until it is done), retried until it succeeds.
   */
  onStart(name: string, step: () => Promise<void>): void {
    this.startSteps.push([name, step]);
  }

  /**
   * Listens first (so liveness answers while dependencies connect), then connects Redis and Kafka,
   * starts the outbox relay, runs the `onStart` steps and starts the consumer group; readiness turns
   * 200 when all are up.
   */
  async start(app: Express, consume?: { groupId: string; handlers: HandlerMap }): Promise<void> {
    const { config, service } = this.opts;
    this.server = await listen(app, config.PORT);
    this.logger.info({ port: config.PORT }, `${service} listening`);
    if (consume && this.kafka && this.publisher) {
      const consumer = new EventConsumer({
        kafka: this.kafka,
        service,
        groupId: consume.groupId,
        handlers: consume.handlers,
        publisher: this.publisher,
        logger: this.logger,
        metrics: this.metrics,
        maxWaitTimeInMs: config.KAFKA_MAX_WAIT_MS,
        sessionTimeout: config.KAFKA_SESSION_TIMEOUT_MS,
        partitionsConsumedConcurrently: config.KAFKA_PARTITIONS_CONCURRENCY,
        messageConcurrency: config.KAFKA_MESSAGE_CONCURRENCY,
        minFetchIntervalMs: config.KAFKA_MIN_FETCH_INTERVAL_MS,
      });
      this.consumer = consumer;
      this.health.register('kafka-consumer', () => consumer.ready);
    }
    onShutdown({
      logger: this.logger,
      health: this.health,
      timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
      steps: [
        // Readiness is 503 from the signal on; keep serving briefly so probes see it before the port
        // closes, and tell keep-alive clients to reconnect elsewhere meanwhile.
        [
          'readiness',
          () => {
            if (this.server) stopKeepAlive(this.server);
            return new Promise((r) => setTimeout(r, config.SHUTDOWN_DRAIN_DELAY_MS));
          },
        ],
        ['http', () => (this.server ? closeServer(this.server) : Promise.resolve())],
        ['consumer', () => this.consumer?.stop() ?? Promise.resolve()],
        ...this.extraSteps,
        ['outbox', () => this.outbox?.stop() ?? Promise.resolve()],
        ['producer', () => this.publisher?.disconnect() ?? Promise.resolve()],
        ['redis', () => this.redis?.quit() ?? Promise.resolve()],
        ['tracing', () => stopTracing()],
      ],
    });
    try {
      if (this.redis) await connectRedis(this.redis);
      if (this.publisher) await this.untilDone('kafka producer', () => this.publisher!.connect());
      this.outbox?.start();
      for (const [name, step] of this.startSteps) await this.untilDone(name, step);
      if (this.consumer) await this.untilDone('kafka consumer', () => this.consumer!.start());
      this.logger.info(`${service} ready`);
    } catch (err) {
      this.logger.fatal({ err }, 'start-up failed');
      process.exit(1);
    }
  }

  /**
   * Retries `fn` until it succeeds (or shutdown began): start-up waits for a dependency that is
   * still coming up instead of crashing.
   */
  async untilDone(what: string, fn: () => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (this.health.shuttingDown) throw err;
        this.logger.warn({ err: (err as Error).message, attempt }, `${what} failed, retrying`);
        await new Promise((r) => setTimeout(r, Math.min(250 * attempt, 2000)));
      }
    }
  }
}
