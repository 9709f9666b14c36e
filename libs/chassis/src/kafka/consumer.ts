import { setTimeout as delay } from 'node:timers/promises';
import type { Batch, Consumer, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import {
  EventDecodeError,
  HEADER_MAX_CHARS,
  createEvent,
  dlqTopic,
  fromKafkaMessage,
  headerText,
  type CloudEvent,
  type EventData,
  type EventType,
  REANNOUNCED_HEADER,
} from '@checkout/contracts';
import type { RequestContext } from '../context';
import { lazyChild, type LevelLogger } from '../logger';
import { isTransientError } from '../errors';
import type { Metrics } from '../metrics';
import { inSpan } from '../tracing/otel';
import { traceIdOf } from '../tracing/traceparent';
import { ensureTopics } from './client';
import { deadLetterHeaders, headerBytes } from './dead-letters';
import { OffsetCommitter } from './offsets';
import type { Publisher } from './publisher';

const COMMIT_INTERVAL_MS = 1000;

export interface HandlerContext {
  /**
   * Logs with the event's correlation id, type and id (`eventId`); the child logger behind it is
   * built on the first line written at an enabled level.
   */
  log: LevelLogger;
  /** The event's correlation id, its id, and the handler's span: for calls and records it causes. */
  trace: RequestContext;
  /** A new event caused by the one being handled: same correlation id, this service as source. */
  newEvent<T extends EventType>(type: T, data: EventData<T>): CloudEvent<T>;
  /**
   * Set when the event is a copy announced again (REANNOUNCED_HEADER, its value) because no answer
   * reached its sender: a service that handled it before answers again with what it answered
   * first. A plain redelivery is not: it changes nothing and emits nothing.
   */
  reannounced?: string;
}

export type EventHandler<T extends EventType = EventType> = (
  event: CloudEvent<T>,
  ctx: HandlerContext,
) => Promise<void>;

export type HandlerMap = { [K in EventType]?: EventHandler<K> };

export interface ConsumerOptions {
  kafka: Kafka;
  service: string;
  /** Fixed name: renaming a group makes it re-read every topic from the start. */
  groupId: string;
  handlers: HandlerMap;
  publisher: Publisher;
  logger: Logger;
  metrics: Metrics;
  maxWaitTimeInMs: number;
  sessionTimeout: number;
  partitionsConsumedConcurrently?: number;
  /**
   * Messages of one fetched batch handled at once. Handlers are idempotent and order-insensitive
   * (ARCHITECTURE.md), so a partition need not wait for one message's Redis round trips before the
   * next; 1 restores strict per-partition order.
   */
  messageConcurrency?: number;
  /**
   * Shortest time between the starts of two fetches: after a batch handled sooner, the next fetch
   * waits out the rest. 0 (the default) fetches again at once. Each batch holds once handled, so
   * the batches of one fetch are all handled before the hold only when `partitionsConsumedConcurrently`
   * is at least their number (the services run 16, and subscribe to at most 16 partitions on the
   * confirm path); the batches beyond it wait out the interval.
   */
  minFetchIntervalMs?: number;
  /** Attempts for a handler that throws a non-transient error before the message is dead-lettered. */
  maxAttempts?: number;
}

/**
 * Subscribes handlers to their topics. Each message is decoded and schema-checked, handled inside
 * its correlation context, retried while a dependency is down, and dead-lettered to
 * `dlq.<service>` when it is poison or keeps failing, so one bad message never blocks a partition.
 */
export class EventConsumer {
  private readonly consumer: Consumer;
  private joined = false;
  private stopping = false;
  private fetchStartedAt = 0;
  private readonly offsets: OffsetCommitter;
  private commitTimer?: NodeJS.Timeout;
  /** Read by every batch's loop before each message; one function for all of them. */
  private readonly isStopping = () => this.stopping;
  private stopped?: Promise<void>;
  /** The latest start or restart, which a stop waits for before it disconnects. */
  private running?: Promise<void>;
  /** Batches whose handled messages are not yet recorded: stop() commits only once there are none. */
  private batchesInFlight = 0;
  private batchesDone?: () => void;
  private lastContactAt = 0;

  constructor(private readonly opts: ConsumerOptions) {
    this.consumer = opts.kafka.consumer({
      groupId: opts.groupId,
      maxWaitTimeInMs: opts.maxWaitTimeInMs,
      sessionTimeout: opts.sessionTimeout,
      heartbeatInterval: Math.max(500, Math.floor(opts.sessionTimeout / 6)),
      rebalanceTimeout: Math.max(opts.sessionTimeout * 2, 10_000),
      allowAutoTopicCreation: true,
    });
    this.offsets = new OffsetCommitter((offsets) => this.consumer.commitOffsets(offsets), opts.logger);
    const { GROUP_JOIN, CRASH, STOP, DISCONNECT, FETCH_START, FETCH, HEARTBEAT } = this.consumer.events;
    this.consumer.on(FETCH_START, () => (this.fetchStartedAt = Date.now()));
    // A fetch answered or a heartbeat accepted: the broker is there. One that keeps its connections
    // open and stops answering (a hung host) raises nothing until kafkajs gives up, minutes later.
    const contact = () => (this.lastContactAt = Date.now());
    this.consumer.on(FETCH, contact);
    this.consumer.on(HEARTBEAT, contact);
    this.consumer.on(GROUP_JOIN, () => {
      this.offsets.forget();
      contact();
      this.joined = true;
    });
    this.consumer.on(CRASH, ({ payload }) => {
      this.joined = false;
      opts.logger.error({ err: payload.error, restart: payload.restart }, 'consumer crashed');
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
      // A batch counts as handled once every message in it is (or is dead-lettered); a crash in
      // between redelivers it, which idempotent handlers absorb. A stop does not wait for the rest
      // of a batch (after a backlog it holds hundreds of messages, more than a shutdown's 10 s):
      // only its handled prefix counts, and the next member of the group gets the rest.
      eachBatch: async ({ batch, heartbeat }) => {
        const fetchStartedAt = this.fetchStartedAt;
        // kafkajs heartbeats only between batches. A batch that takes longer than the session (a
        // backlog of slow messages, a handler waiting out a dependency) would get the member
        // evicted, its commit refused and the same batch fetched again, for ever if it always takes
        // that long. So it heartbeats as messages finish and between a handler's retries (kafkajs
        // sends one at most every heartbeatInterval); a failed one (a rebalance) is left to the
        // heartbeat after the batch, which kafkajs answers by rejoining.
        const keepAlive = () => void heartbeat().catch(() => undefined);
        this.batchesInFlight++;
        try {
          const handled = await forEachConcurrently(
            batch.messages,
            this.opts.messageConcurrency ?? 1,
            this.isStopping,
            async (message) => {
              await this.onMessage(batch.topic, batch.partition, message, keepAlive);
              keepAlive();
            },
          );
          this.recordHandled(batch, handled);
        } finally {
          if (--this.batchesInFlight === 0) this.batchesDone?.();
        }
        await heartbeat();
        // kafkajs fetches again once every batch of the last fetch is handled, so holding a batch
        // back after handling it paces the fetch loop: what arrives meanwhile waits for the next
        // fetch. Handled first, then held: the messages already here are not delayed (holding
        // them before handling cost a message up to the whole interval on the saga's path).
        const wait = fetchStartedAt + (this.opts.minFetchIntervalMs ?? 0) - Date.now();
        if (wait > 0 && !this.stopping) await delay(wait);
      },
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
    if (this.batchesInFlight > 0) await new Promise<void>((resolve) => (this.batchesDone = resolve));
    clearInterval(this.commitTimer);
    await this.offsets.flush();
    await this.consumer.disconnect();
  }

  /** Records the first `handled` messages of `batch` as handled: all of them unless stopping. */
  private recordHandled(batch: Batch, handled: number): void {
    const { topic, partition, messages } = batch;
    // lastOffset() rather than the last message's: it also covers what kafkajs filtered out of
    // `messages` (transaction markers, aborted records) and an empty batch.
    if (handled === messages.length) {
      this.offsets.handled(topic, partition, batch.lastOffset());
      return;
    }
    // Stopped partway: the commit points at the first message not handled, so none is skipped.
    if (handled > 0) this.offsets.handled(topic, partition, messages[handled - 1]!.offset);
    const left = { topic, partition, offset: messages[handled]!.offset, count: messages.length - handled };
    this.opts.logger.info(left, 'stopped mid-batch, the rest goes to the next member');
  }

  private async onMessage(
    topic: string,
    partition: number,
    message: KafkaMessage,
    keepAlive: () => void = () => undefined,
  ): Promise<void> {
    const { metrics, logger } = this.opts;
    let event: CloudEvent;
    try {
      event = fromKafkaMessage(message);
    } catch (err) {
      const reason = err instanceof EventDecodeError ? err.reason : 'DECODE_FAILED';
      await this.deadLetter(topic, partition, message, reason, (err as Error).message);
      return;
    }
    const handler = this.opts.handlers[event.type as EventType] as EventHandler | undefined;
    if (!handler || event.type !== topic) {
      await this.deadLetter(topic, partition, message, 'UNEXPECTED_TYPE', `ce_type ${event.type} on topic ${topic}`);
      return;
    }
    const log = lazyChild(logger, () => ({
      eventId: event.id,
      eventType: event.type,
      correlationId: event.correlationId,
      ...(event.traceparent ? { traceId: traceIdOf(event.traceparent) } : {}),
    }));
    const reannounced = headerText(message.headers, REANNOUNCED_HEADER);
    const maxAttempts = this.opts.maxAttempts ?? 5;
    const end = metrics.handlerDuration.startTimer({ topic });
    for (let attempt = 1; ; attempt++) {
      try {
        const span = {
          name: `${topic} process`,
          kind: 'consumer' as const,
          parent: event.traceparent,
          attributes: {
            'messaging.system': 'kafka',
            'messaging.destination.name': topic,
            'messaging.message.id': event.id,
          },
        };
        await inSpan(span, (traceparent) => handler(event, this.handlerContext(event, log, traceparent, reannounced)));
        metrics.eventsConsumed.inc({ topic, outcome: 'handled' });
        end();
        return;
      } catch (err) {
        metrics.handlerErrors.inc({ topic });
        const transient = isTransientError(err);
        if (!transient && attempt >= maxAttempts) {
          end();
          await this.deadLetter(topic, partition, message, 'HANDLER_FAILED', (err as Error).message);
          return;
        }
        // A dependency being down is not the message's fault: keep it and retry until it is back.
        if (!this.stopping) {
          log.warn({ err, attempt, transient }, 'handler failed, retrying');
          keepAlive();
          await delay(Math.min(50 * 2 ** Math.min(attempt, 6), 2000));
        }
        // Unless stopping, now or during the backoff: then the batch is committed only up to this
        // message, and the member that takes the partition over retries it, instead of this one
        // outliving its deadline.
        if (this.stopping) {
          log.warn({ err, attempt, transient }, 'handler failed while stopping, left for redelivery');
          throw err;
        }
      }
    }
  }

  /** What a handler gets: `traceparent` is its span's (a child of the event's), so what it emits stays in the trace. */
  private handlerContext(
    event: CloudEvent,
    log: LevelLogger,
    traceparent: string,
    reannounced: string | undefined,
  ): HandlerContext {
    const source = `/${this.opts.service}`;
    return {
      log,
      trace: { correlationId: event.correlationId, causationId: event.id, traceparent },
      newEvent: (type, data) => createEvent(type, data, { source, correlationId: event.correlationId, traceparent }),
      ...(reannounced !== undefined ? { reannounced } : {}),
    };
  }

  private async deadLetter(
    topic: string,
    partition: number,
    message: KafkaMessage,
    reason: string,
    error: string,
  ): Promise<void> {
    // The original key, value and headers byte for byte (a poison value need not be text), so the
    // letter can be inspected and replayed as it came.
    const headers = Object.assign(
      headerBytes(message.headers),
      deadLetterHeaders({ service: this.opts.service, reason, error, topic, partition, offset: message.offset }),
    );
    await this.opts.publisher.send([
      { topic: dlqTopic(this.opts.service), key: message.key, value: message.value, headers },
    ]);
    this.opts.metrics.deadLettered.inc({ topic, reason });
    this.opts.metrics.eventsConsumed.inc({ topic, outcome: 'dead_lettered' });
    // The ids the headers carry, so the line is found by the order's correlation id like the rest.
    // Cut: a letter may be here because a header was too long (HEADER_TOO_LONG).
    const ids = {
      correlationId: headerText(message.headers, 'x-correlation-id')?.slice(0, HEADER_MAX_CHARS),
      eventId: headerText(message.headers, 'ce_id')?.slice(0, HEADER_MAX_CHARS),
    };
    this.opts.logger.warn({ ...ids, topic, partition, offset: message.offset, reason, error }, 'message dead-lettered');
  }
}

/**
 * Runs `fn` over `items` in order with at most `limit` calls in flight, and resolves with how many
 * items from the first are done: all of them, unless `stopping()` turned true. Until then a failure
 * starts no further item and rejects once the calls in flight have settled, so no handler still
 * runs once the batch counts as finished. Once stopping, no item is started either, the calls in
 * flight are waited for, and a failure only ends the prefix (an item after it may be done, but is
 * not counted). Items are started in order and all started ones have settled by the end, so the
 * first failed index, or else the number started, is that prefix: a counter per batch, nothing per
 * item.
 */
async function forEachConcurrently<T>(
  items: T[],
  limit: number,
  stopping: () => boolean,
  fn: (item: T) => Promise<void>,
): Promise<number> {
  let next = 0;
  let firstFailed = items.length;
  let error: { reason: unknown } | undefined;
  const worker = async () => {
    while (next < items.length && !error && !stopping()) {
      const i = next++;
      try {
        await fn(items[i]!);
      } catch (err) {
        if (!stopping()) error ??= { reason: err };
        if (i < firstFailed) firstFailed = i;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  if (error) throw error.reason;
  return Math.min(next, firstFailed);
}
