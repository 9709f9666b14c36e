import type { Server } from 'node:http';
import type { Express } from 'express';
import type { Kafka } from 'kafkajs';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Health, KAFKA_GATE } from './health';
import { listen } from './http/server';
import type { EventConsumer, HandlerMap } from './kafka/consumer';
import type { Publisher } from './kafka/publisher';
import { createLogger } from './logger';
import { createMetrics, type Metrics } from './metrics';
import type { Outbox } from './outbox';
import { connectRedis } from './redis/client';
import { retryUntilDone } from './retry-until-done';
import { createConnections } from './runtime-connections';
import { createRuntimeConsumer } from './runtime-consumer';
import type { RuntimeOptions } from './runtime-options';
import { runtimeShutdownSteps } from './runtime-shutdown';
import { onShutdown, type ShutdownStep } from './shutdown';
import { startTracing } from './tracing/otel';

export type { BaseConfig, RuntimeOptions } from './runtime-options';

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
  /** CORS_ORIGINS where the service opts in (RuntimeOptions.cors), for createHttpApp: apps are built from `...runtime`. */
  readonly corsOrigins: readonly string[];
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
    this.corsOrigins = opts.cors ? config.CORS_ORIGINS : [];
    this.metrics = createMetrics(service);
    const { redis, kafka, publisher, outbox } = createConnections(opts, this.logger, this.metrics, this.health);
    this.redis = redis;
    this.kafka = kafka;
    this.publisher = publisher;
    this.outbox = outbox;
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
    try {
      this.server = await listen(app, config.PORT, config.HOST);
    } catch (err) {
      // Said before exiting: the process would otherwise end without a word once nothing else
      // keeps it alive (a main.ts that catches start's rejection, as the cache's does).
      this.logger.fatal(
        { err, host: config.HOST, port: config.PORT },
        `${service} cannot listen on port ${config.PORT}`,
      );
      process.exit(1);
    }
    this.logger.info({ port: config.PORT }, `${service} listening`);
    if (consume && this.kafka && this.publisher) {
      const consumer = createRuntimeConsumer(this.opts, this.kafka, this.publisher, this.logger, this.metrics, consume);
      this.consumer = consumer;
      // At start only (Gate): a consumer that lost the broker delays events, not the HTTP answers.
      this.health.register('kafka-consumer', () => consumer.ready, KAFKA_GATE);
    }
    const parts = () => ({
      server: this.server,
      consumer: this.consumer,
      outbox: this.outbox,
      publisher: this.publisher,
      redis: this.redis,
    });
    onShutdown({
      logger: this.logger,
      health: this.health,
      timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
      steps: runtimeShutdownSteps(config, parts, this.extraSteps),
    });
    try {
      if (this.redis) await connectRedis(this.redis);
      if (this.publisher) await this.untilDone('kafka producer', () => this.publisher!.connect());
      this.outbox?.start();
      for (const [name, step] of this.startSteps) await this.untilDone(name, step);
      if (this.consumer) await this.untilDone('kafka consumer', () => this.consumer!.start());
      // Not "ready": the consumer's first try to join its group may have failed (a second member on
      // the mock; it restarts and the consumer logs when it has joined); /health/ready says when the
      // service takes work.
      this.logger.info(`${service} started`);
    } catch (err) {
      this.logger.fatal({ err }, 'start-up failed');
      process.exit(1);
    }
  }

  /**
   * Retries `fn` until it succeeds (or shutdown began): start-up waits for a dependency that is
   * still coming up instead of crashing.
   */
  untilDone(what: string, fn: () => Promise<void>): Promise<void> {
    return retryUntilDone(this.health, this.logger, what, fn);
  }
}
