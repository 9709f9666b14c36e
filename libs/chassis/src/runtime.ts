import type { Server } from 'node:http';
import type { Express } from 'express';
import type { Kafka } from 'kafkajs';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ADMIN_TOKEN_MIN_LENGTH, adminTokenTooShort } from './config';
import { Health, KAFKA_GATE } from './health';
import type { HttpAppDeps } from './http/app';
import { listen } from './http/server';
import type { EventConsumer, HandlerMap } from './kafka/consumer';
import type { Publisher } from './kafka/publisher';
import { createLogger, synchronousStdout } from './logger';
import { createMetrics, type Metrics } from './metrics';
import type { Outbox } from './outbox';
import { connectRedis } from './redis/client';
import { retryUntilDone } from './retry-until-done';
import { createConnections, type RuntimeConnections } from './runtime-connections';
import { createRuntimeConsumer } from './runtime-consumer';
import type { RuntimeOptions } from './runtime-options';
import { runtimeShutdownSteps } from './runtime-shutdown';
import { onShutdown, type ShutdownStep } from './shutdown';
import { startTracing } from './tracing/otel';

export type { BaseConfig, RuntimeOptions } from './runtime-options';

/** What the options ask for, as types: a `redisPrefix` brings Redis, `kafka` Kafka, and both the outbox. */
type WithRedis<O, T> = O extends { redisPrefix: string } ? T : undefined;
type WithKafka<O, T> = O extends { kafka: true } ? T : undefined;

/**
 * The parts every service is made of, created but not yet connected, so `createApp(deps)` can be
 * built from them before anything opens a socket. Typed by its options: a service that asked for
 * Redis gets a `redis` that is there, one that did not gets none.
 */
export class Runtime<const O extends RuntimeOptions = RuntimeOptions> {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly health = new Health();
  readonly redis: WithRedis<O, Redis>;
  /** The owner prefix of the service's Redis keys (RuntimeOptions.redisPrefix), for its stores. */
  readonly prefix: WithRedis<O, string>;
  readonly kafka: WithKafka<O, Kafka>;
  readonly publisher: WithKafka<O, Publisher>;
  readonly outbox: WithRedis<O, WithKafka<O, Outbox>>;
  /** CORS_ORIGINS where the service opts in (RuntimeOptions.cors), for createHttpApp. */
  readonly corsOrigins: readonly string[];
  /** What createHttpApp needs of it: `createApp({ ...runtime.http, … })`. */
  readonly http: Pick<HttpAppDeps, 'logger' | 'metrics' | 'health' | 'corsOrigins' | 'corsAllowHeaders'>;
  private readonly connections: RuntimeConnections;
  private consumer?: EventConsumer;
  private server?: Server;
  private readonly extraSteps: ShutdownStep[] = [];
  private readonly startSteps: [name: string, step: () => Promise<void>][] = [];

  constructor(private readonly opts: O) {
    const { service, config } = opts;
    // Each main.ts has started it already (tracing/preload.ts, before http and express were loaded);
    // a no-op then, this starts it for a Runtime built elsewhere.
    startTracing(service);
    this.logger = createLogger(service, config.LOG_LEVEL, opts.syncLogs ? synchronousStdout() : undefined);
    if (adminTokenTooShort(config.ADMIN_TOKEN)) {
      this.logger.warn(
        `ADMIN_TOKEN is shorter than ${ADMIN_TOKEN_MIN_LENGTH} characters: whoever guesses it can set stock levels (openssl rand -hex 16 makes one; with NODE_ENV=production it is refused)`,
      );
    }
    this.corsOrigins = opts.cors ? config.CORS_ORIGINS : [];
    this.metrics = createMetrics(service);
    this.http = {
      logger: this.logger,
      metrics: this.metrics,
      health: this.health,
      corsOrigins: this.corsOrigins,
      corsAllowHeaders: config.CORS_ALLOW_HEADERS,
    };
    this.connections = createConnections(opts, this.logger, this.metrics, this.health);
    // createConnections made what the options asked for: the types say so.
    this.redis = this.connections.redis as WithRedis<O, Redis>;
    this.prefix = opts.redisPrefix as WithRedis<O, string>;
    this.kafka = this.connections.kafka as WithKafka<O, Kafka>;
    this.publisher = this.connections.publisher as WithKafka<O, Publisher>;
    this.outbox = this.connections.outbox as WithRedis<O, WithKafka<O, Outbox>>;
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
    const { redis, kafka, publisher, outbox } = this.connections;
    if (consume && kafka && publisher) {
      const consumer = createRuntimeConsumer(this.opts, kafka, publisher, this.logger, this.metrics, consume);
      this.consumer = consumer;
      // At start only (Gate): a consumer that lost the broker delays events, not the HTTP answers.
      this.health.register('kafka-consumer', () => consumer.ready, KAFKA_GATE);
    }
    const parts = () => ({ server: this.server, consumer: this.consumer, outbox, publisher, redis });
    onShutdown({
      logger: this.logger,
      health: this.health,
      timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
      steps: runtimeShutdownSteps(config, parts, this.extraSteps),
    });
    try {
      if (redis) await connectRedis(redis);
      if (publisher) await this.untilDone('kafka producer', () => publisher.connect());
      outbox?.start();
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
