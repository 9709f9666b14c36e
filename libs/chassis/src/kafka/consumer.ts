import type { Consumer } from 'kafkajs';
import { dlqTopic } from '@checkout/contracts';
import { handleBatch, type BatchHandling } from './batch-handling';
import { BatchesInFlight } from './batches-in-flight';
import { ensureTopics } from './client';
import { heartbeatIntervalOf, type ConsumerOptions } from './consumer-options';
import { serviceCounter } from '../metrics';
import { OffsetCommitter } from './offsets';

export type { ConsumerOptions } from './consumer-options';
export type { EventHandler, HandlerContext, HandlerMap } from './handler-context';

const COMMIT_INTERVAL_MS = 1000;
/** A crash this soon after the last one is logged as an error: the restarts are not helping. */
const CRASH_LOOP_MS = 5 * 60_000;

/**
 * Subscribes handlers to their topics. Each message is decoded and schema-checked, handled inside
 * its correlation context, retried while a dependency is down, and dead-lettered to
 * `dlq.<service>` when it is poison or keeps failing, so one bad message never blocks a partition.
 */
export class EventConsumer {
  private readonly consumer: Consumer;
  private joined = false;
  /** When kafkajs last gave up on this consumer (0: never). */
  private lastCrashAt = 0;
  private stopping = false;
  private fetchStartedAt = 0;
  private readonly offsets: OffsetCommitter;
  private commitTimer?: NodeJS.Timeout;
  /** Read by every batch's loop before each message; one function for all of them. */
  private readonly isStopping = () => this.stopping;
  private stopped?: Promise<void>;
  /** The latest start or restart, which a stop waits for before it disconnects. */
  private running?: Promise<void>;
  private readonly batches = new BatchesInFlight();
  private readonly batchHandling: BatchHandling;
  private lastContactAt = 0;

  constructor(private readonly opts: ConsumerOptions) {
    this.consumer = opts.kafka.consumer({
      groupId: opts.groupId,
      maxWaitTimeInMs: opts.maxWaitTimeInMs,
      sessionTimeout: opts.sessionTimeout,
      heartbeatInterval: heartbeatIntervalOf(opts.sessionTimeout),
      rebalanceTimeout: Math.max(opts.sessionTimeout * 2, 10_000),
      allowAutoTopicCreation: true,
    });
    this.offsets = new OffsetCommitter((offsets) => this.consumer.commitOffsets(offsets), opts.logger);
    const { offsets, batches, isStopping } = this;
    this.batchHandling = { opts, offsets, batches, isStopping, fetchStartedAt: () => this.fetchStartedAt };
    const { GROUP_JOIN, CRASH, STOP, DISCONNECT, FETCH_START, FETCH, HEARTBEAT } = this.consumer.events;
    const crashes = serviceCounter(
      opts.metrics.registry,
      'kafka_consumer_crashes_total',
      'Consumers kafkajs gave up on, which the chassis restarts: one now and then is routine on the local mock broker (a rollout); a rising rate is a consumer that cannot stay in its group',
    );
    this.consumer.on(FETCH_START, () => (this.fetchStartedAt = Date.now()));
    // A fetch answered or a heartbeat accepted: the broker is there. One that keeps its connections
    // open and stops answering (a hung host) raises nothing until kafkajs gives up, minutes later.
    const contact = () => (this.lastContactAt = Date.now());
    this.consumer.on(FETCH, contact);
    this.consumer.on(HEARTBEAT, contact);
    this.consumer.on(GROUP_JOIN, ({ payload }) => {
      this.offsets.forget();
      contact();
      if (!this.joined)
        opts.logger.info({ groupId: payload.groupId, duration: payload.duration }, 'joined consumer group');
      this.joined = true;
    });
    this.consumer.on(CRASH, ({ payload }) => {
      this.joined = false;
      crashes.inc();
      // A warning for a crash after which it is restarted (the mock crashes a member whose
      // SyncGroup races another member's join, in every rollout); an error for one within
      // CRASH_LOOP_MS of the last: the restarts are not helping.
      const now = Date.now();
      const level = now - this.lastCrashAt < CRASH_LOOP_MS ? 'error' : 'warn';
      this.lastCrashAt = now;
      opts.logger[level]({ err: payload.error, restart: payload.restart }, 'consumer crashed');
      // kafkajs gives up on errors it deems fatal (the mock answers a SyncGroup racing a second
      // member's join with INVALID_REQUEST): without a restart the service stays unready for good.
      if (!payload.restart && !this.stopping) this.restartLater();
    });
    this.consumer.on(STOP, () => (this.joined = false));
    this.consumer.on(DISCONNECT, () => (this.joined = false));
  }

  get topics(): string[] {
    return Object.keys(this.opts.handlers);
  }

  /**
   * Joined, and heard from the broker within two session timeouts: a healthy member fetches at
   * least once per max wait and heartbeats through long batches and retries, and a rebalance's join
   * takes under one session timeout, so a longer silence means the broker stopped answering, and
   * readiness says so instead of waiting for kafkajs to give up.
   */
  get ready(): boolean {
    return this.joined && Date.now() - this.lastContactAt < 2 * this.opts.sessionTimeout;
  }

  async start(): Promise<void> {
    const topics = this.topics;
    await ensureTopics(this.opts.kafka, [...topics, dlqTopic(this.opts.service)]);
    this.commitTimer = setInterval(() => void this.offsets.flush(), COMMIT_INTERVAL_MS);
    this.commitTimer.unref();
    await this.run();
  }

  private restartLater(delayMs = 1000): void {
    setTimeout(() => {
      if (this.stopping) return;
      this.opts.logger.warn('restarting the consumer');
      this.run().catch((err: unknown) => {
        this.opts.logger.error({ err }, 'consumer restart failed, retrying');
        this.restartLater(Math.min(delayMs * 2, 10_000));
      });
    }, delayMs).unref();
  }

  private run(): Promise<void> {
    this.running = this.runOnce();
    return this.running;
  }

  private async runOnce(): Promise<void> {
    const topics = this.topics;
    // A stop() that came while this was connecting must not be followed by a join: the member
    // would hold partitions until its session timed out.
    await this.consumer.connect();
    if (this.stopping) return;
    // From the beginning: a new group must not miss events published while it was joining.
    await this.consumer.subscribe({ topics, fromBeginning: true });
    if (this.stopping) return;
    await this.consumer.run({
      partitionsConsumedConcurrently: this.opts.partitionsConsumedConcurrently ?? 1,
      // Offsets are committed once a second and on shutdown (OffsetCommitter), not after every batch.
      autoCommit: false,
      eachBatch: (payload) => handleBatch(this.batchHandling, payload),
    });
  }

  /** Stops after the messages in flight and commits what was handled; a second call gets the same stop. */
  stop(): Promise<void> {
    this.stopping = true;
    return (this.stopped ??= this.shutdown());
  }

  private async shutdown(): Promise<void> {
    await this.running?.catch(() => undefined);
    // What is handled already is committed first: should a batch still running outlast the
    // process' shutdown deadline, that much is not redelivered.
    await this.offsets.flush();
    // Those batches start no further message, and a handler retrying a dependency gives up at its
    // next attempt. They are waited for here, not after disconnect(): kafkajs waits for them there
    // too, but drops a commit once it is stopping (runner.commitOffsets returns early), so what they
    // handled would be redelivered in full.
    if (this.batches.inFlight > 0) await this.batches.allFinished();
    clearInterval(this.commitTimer);
    await this.offsets.flush();
    await this.consumer.disconnect();
  }
}
